# Emails to people without an account (who sent files through an upload link), in the
# link's language. Placeables are filled by the code that queues the message.
email-rejected-subject = { $project } { $cycle }: “{ $request }” needs a new file
email-rejected-body = Hello { $name },
    
    the file for “{ $request }” in { $project } { $cycle } was not accepted:
    
    {"    "}{ $reason }
    
    Please send a new file through the upload link you were given.
    
    — Hopper
email-rejected-answer-subject = { $project } { $cycle }: “{ $request }” needs a new answer
email-rejected-answer-body = Hello { $name },
    
    the answer to “{ $request }” in { $project } { $cycle } was not accepted:
    
    {"    "}{ $reason }
    
    Please answer again through the upload link you were given.
    
    — Hopper

# The receipt a sender through an upload link asks for by email.
email-receipt-subject = Your receipt from { $project }
email-receipt-greeting = Hello { $name },
    
    this is the receipt of the files you sent to { $project }.
email-receipt-closing = Keep this message as your record of what arrived.

## An upload link sent by an admin to whoever is to use it (never with its PIN)
email-invitation-subject = { $company }: please send your documents
email-invitation-hello = Hello,
email-invitation-asks = { $from } of { $company } asks you to send documents for “{ $label }”.
email-invitation-send-through = Send them through this page (it works until { $expires }; no account is needed):
email-invitation-pin = The page asks for a PIN. { $from } will give it to you separately, by phone or text message; it is never sent by email.
email-invitation-signature = — Hopper, for { $company }
