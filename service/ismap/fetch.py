"""Get the bytes of a list: from a file on disk or from a URL (httpx, with a timeout and a cap).

The cap is enforced while the body streams in, so a server that lies about (or omits) its
Content-Length cannot make us hold more than the cap in memory.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from service.errors import PayloadTooLarge, ValidationFailed

_MAX_REDIRECTS = 5


def is_url(source: str) -> bool:
    return urlsplit(source).scheme.lower() in ("http", "https")


def read_file(path: Path, *, max_bytes: int) -> bytes:
    """The file's bytes; refused when missing, not a file, or over the cap."""
    if not path.is_file():
        raise ValidationFailed(
            f"no such file: {path} / ファイルがありません", fields={"source": "no such file"}
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise PayloadTooLarge(
            f"the file is {size} bytes, over the limit of {max_bytes} / ファイルが大きすぎます"
        )
    return path.read_bytes()


def name_in_url(url: str) -> str:
    """The last path segment (list.xlsx), for messages; the full URL is kept as the source."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


async def download(url: str, *, max_bytes: int, timeout_seconds: float) -> bytes:
    """The body of a 200 response to GET `url`, at most `max_bytes` long."""
    if not is_url(url):
        raise ValidationFailed(
            "only http:// and https:// addresses can be fetched / http(s) のURLを指定してください",
            fields={"url": "not an http(s) URL"},
        )
    too_large = PayloadTooLarge(
        f"the download is over the limit of {max_bytes} bytes / ダウンロードが大きすぎます"
    )
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout_seconds, follow_redirects=True, max_redirects=_MAX_REDIRECTS
            ) as client,
            client.stream("GET", url, headers={"Accept": "*/*"}) as response,
        ):
            if response.status_code != 200:
                raise ValidationFailed(
                    f"{url} answered HTTP {response.status_code} / "
                    f"URLの取得に失敗しました（HTTP {response.status_code}）",
                    fields={"url": f"HTTP {response.status_code}"},
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise too_large
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise too_large
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise ValidationFailed(
            f"could not fetch {url}: {type(exc).__name__} / URLを取得できませんでした",
            fields={"url": type(exc).__name__},
        ) from None
    return b"".join(chunks)
