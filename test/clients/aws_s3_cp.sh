#!/bin/sh
# The AWS CLI (Debian's awscli): `aws s3 cp FILE s3://BUCKET/KEY`, a
# PutObject to which it adds "Expect: 100-continue" itself, one attempt.
# Usage: aws_s3_cp.sh http://HOST:PORT/BUCKET/KEY FILE; prints
# {"status": N, "body": ...}: the status of the PUT's answer (0 when there
# was none), and the server's X-Body header (what it read) as the body.
# Both come from the CLI's debug log: the CLI prints no headers, and an
# error answer that is not S3's XML leaves the status out of its message.
endpoint=$(echo "$1" | sed -E 's|^(http://[^/]+)/.*|\1|')
object=$(echo "$1" | sed -E 's|^http://[^/]+/||')
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
       AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
       AWS_RETRY_MODE=standard \
       AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
/usr/bin/aws s3 cp --endpoint-url "$endpoint" --only-show-errors --debug \
    "$2" "s3://$object" 2>"$log" >/dev/null
rc=$?
status=$(sed -nE 's/.*urllib3.connectionpool.* "PUT [^"]*" ([0-9]+) .*/\1/p' \
         "$log" | tail -1)
seen=$(sed -nE "s/.*Response headers: .*'X-Body': '([^']*)'.*/\1/p" "$log" \
       | tail -1)
msg=""
[ $rc -eq 0 ] || msg=$(grep -v ' - [A-Z]* - ' "$log" | grep -v '^ ' \
                       | tail -3 | tr -d '"\\' | tr '\n' ' ' | cut -c1-300)
echo "{\"status\": ${status:-0}, \"body\": \"$seen\", \"error\": \"$msg\"}"
