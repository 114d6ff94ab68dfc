#!/usr/bin/env bash
# Installs the pinned MailDev (an SMTP server that keeps received mail and serves it over HTTP) that the
# notification tests send real mail to; prints the path of its entry script (see fetch-npm-tool.sh).
exec "$(dirname "${BASH_SOURCE[0]}")/fetch-npm-tool.sh" maildev maildev/dist/bin/maildev.js
