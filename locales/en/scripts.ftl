# What the upload page's scripts say (static/upload.js, static/resumable.js). The page
# carries these as JSON with each { $name } left as {name} for the script to fill in, so
# keep each message on one line.
js-waiting = waiting
js-sending = sending
js-sent = sent
js-paused = paused
js-cancelled = cancelled
js-resuming = resuming
js-pause = Pause
js-resume = Resume
js-cancel = Cancel
js-not-sent = not sent: { $reason }
js-summary = { $done } of { $total } sent, { $left } file(s) to go
js-speed = { $speed }/s, { $left }
js-seconds-left = { $n } s left
js-minutes-left = { $n } min left
js-hours-left = { $n } h left
js-sent-of = Sent of { $name }
js-choose-first = Choose files or a folder first.
js-could-not-start = The upload could not start ({ $status }). Try again in a moment.
js-unfinished-item = { $name }: { $percent }% ({ $offset } of { $length }) already arrived
js-a-file = a file
js-percent-sent = { $percent }% sent
js-checking = Checking and storing…
js-empty = (empty)
js-other = other
js-remove = Remove
js-remove-label = Remove { $name }
js-chosen-one = 1 file chosen, { $size }
js-chosen-many = { $count } files chosen, { $size }
