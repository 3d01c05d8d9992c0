"""aiohttp (Debian's python3-aiohttp) with expect100=True: it has no timer
of its own and sends the body only after a 100 Continue.
Usage: aiohttp_post.py URL FILE; prints {"status": N}."""
import asyncio
import json
import sys

import aiohttp


async def main():
    with open(sys.argv[2], "rb") as f:
        data = f.read()
    out = {}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(sys.argv[1], data=data, expect100=True,
                                    headers={"Content-Type":
                                             "application/octet-stream"}
                                    ) as r:
                out["status"], out["body"] = r.status, await r.text()
    except Exception as e:
        out["status"], out["error"] = 0, repr(e)
    print(json.dumps(out))

asyncio.run(main())
