"""botocore (Debian's python3-botocore): an S3 PutObject with a file-like
body, to which botocore adds "Expect: 100-continue" itself.
Usage: botocore_put.py URL FILE, URL being http://host:port/bucket/key;
prints {"status": N}."""
import json
import sys
from urllib.parse import urlsplit

import botocore.config
import botocore.exceptions
import botocore.session

url = urlsplit(sys.argv[1])
bucket, key = url.path.lstrip("/").split("/", 1)
session = botocore.session.get_session()
s3 = session.create_client(
    "s3", region_name="us-east-1", endpoint_url="http://" + url.netloc,
    aws_access_key_id="test", aws_secret_access_key="test",
    config=botocore.config.Config(s3={"addressing_style": "path"},
                                  retries={"max_attempts": 1}))
out = {}
try:
    with open(sys.argv[2], "rb") as f:
        r = s3.put_object(Bucket=bucket, Key=key, Body=f)
    out["status"] = r["ResponseMetadata"]["HTTPStatusCode"]
    out["body"] = r["ResponseMetadata"]["HTTPHeaders"].get("x-body", "")
except botocore.exceptions.ClientError as e:
    out["status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
except Exception as e:
    out["status"], out["error"] = 0, repr(e)
print(json.dumps(out))
