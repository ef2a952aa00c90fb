# Emails to people without an account (who sent files through an upload link), in the
# link's language. Placeables are filled by the code that queues the message.
email-rejected-subject = { $project } { $cycle }: “{ $request }” needs a new file
email-rejected-body = Hello { $name },
    
    the file for “{ $request }” in { $project } { $cycle } was not accepted:
    
    {"    "}{ $reason }
    
    Please send a new file through the upload link you were given.
    
    — Hopper

# The receipt a sender through an upload link asks for by email.
email-receipt-subject = Your receipt from { $project }
email-receipt-greeting = Hello { $name },
    
    this is the receipt of the files you sent to { $project }.
email-receipt-closing = Keep this message as your record of what arrived.
