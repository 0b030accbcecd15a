"""The bad-input corpus, generated (a few hundred kB in all, so it is built, not committed).

Every case is something a real publisher's site has served or could serve: an empty
download, an interrupted one, an encrypted export, an error page saved as .pdf, a broken
export of thousands of blank pages, hostile PDFs (a decompression bomb, an image claiming
10^10 pixels), a scan of hundreds of image-only pages, badly encoded HTML, a GB18030 text
dump, a document without number or date, and the odd date spellings of real gazettes.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "pdf"))

import synth

NOTICE = """宁夏回族自治区人民政府办公厅关于做好2023年防汛工作的通知
宁政办发〔2023〕24号
各市、县（区）人民政府，自治区政府各部门、各直属机构：
为切实做好2023年防汛工作，确保人民群众生命财产安全，经自治区人民政府同意，现就有关事项通知如下。
一、提高思想认识。各地各部门要充分认识做好防汛工作的重要性，压实责任。
二、加强监测预警。气象、水利部门要加强会商研判，及时发布预警信息。
宁夏回族自治区人民政府办公厅
{date}
（此件公开发布）
"""


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (object 1 = catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def flate_bomb(inflated_mib: int = 1024) -> bytes:
    """A one-page PDF whose content stream is ~2 MiB of Flate that inflates to `inflated_mib` MiB (1 GiB)."""
    # After a full flush the compressor forgets its window, so every further MiB of spaces
    # compresses to the same bytes: compress two, repeat the second, then end the stream
    # with the checksum of the whole. Building it costs milliseconds, not a 2 GiB deflate.
    chunk = b" " * (1024 * 1024)
    squeezer = zlib.compressobj(9)
    first = squeezer.compress(chunk) + squeezer.flush(zlib.Z_FULL_FLUSH)
    repeated = squeezer.compress(chunk) + squeezer.flush(zlib.Z_FULL_FLUSH)
    ending = squeezer.flush(zlib.Z_FINISH)[:-4]
    checksum = 1
    for _ in range(inflated_mib):
        checksum = zlib.adler32(chunk, checksum)
    data = first + repeated * (inflated_mib - 1) + ending + struct.pack(">I", checksum)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream(b"/Filter /FlateDecode", data),
        ]
    )


def image_bomb() -> bytes:
    """A page showing one image that claims 100 000 x 100 000 RGB pixels (30 GB) from a few bytes."""
    pixels = zlib.compress(b"\x00" * 3 * 1000, 9)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            stream(b"", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
            stream(
                b"/Type /XObject /Subtype /Image /Width 100000 /Height 100000 "
                b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode",
                pixels,
            ),
        ]
    )


def image_only_pages(count: int) -> bytes:
    """`count` pages that each show a 2480 x 3508 grey scan (A4 at 300 dpi) and no text: a scanned issue."""
    scan = zlib.compress(b"\xc0" * (2480 * 3508), 9)
    kids = b" ".join(b"%d 0 R" % (5 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count,
        stream(
            b"/Type /XObject /Subtype /Image /Width 2480 /Height 3508 "
            b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
            scan,
        ),
        stream(b"", b"q 595 0 0 842 0 0 cm /Scan Do Q"),
    ]
    for _ in range(count):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Scan 3 0 R >> >> /Contents 4 0 R >>"
        )
        objects.append(b"<< >>")  # keeps page objects at odd numbers: 5, 7, 9 ...
    return raw_pdf(objects)


def good_pdf(directory: Path) -> bytes:
    path = synth.write_pdf(directory / "_good.pdf", [synth.lay_out(s) for s in synth.gazette_pages(3)])
    data = path.read_bytes()
    path.unlink()
    return data


def encrypted(directory: Path, user_password: str) -> bytes:
    """Encrypted with an owner password; with a user password too when `user_password` is set."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    synth.register_font()
    path = directory / "_encrypted.pdf"
    protection = StandardEncryption(
        userPassword=user_password, ownerPassword="owner-only", canPrint=0, canCopy=0, strength=128
    )
    page = canvas.Canvas(str(path), pagesize=(synth.PAGE_W, synth.PAGE_H), encrypt=protection)
    page.setFont(synth.FONT_NAME, 12)
    y = 760.0
    for line in NOTICE.format(date="2023年6月20日").splitlines():
        page.drawString(synth.MARGIN_X, y, line[:38])
        y -= 20
    page.showPage()
    page.save()
    data = path.read_bytes()
    path.unlink()
    return data


def html_with_invalid_utf8() -> bytes:
    body = NOTICE.format(date="2023年6月20日").replace("\n", "</p><p>")
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知</title></head><body>'
        f'<div class="article"><h1>{NOTICE.splitlines()[0]}</h1><p>{body}</p></div></body></html>'
    ).encode()
    cut = page.index("二、".encode())
    return page[:cut] + b"\xff\xfe\xc3(\xa0\xa1" + page[cut:]  # bytes no UTF-8 decoder accepts


# name -> builder(directory) -> bytes
CASES: dict[str, Callable[[Path], bytes]] = {
    "zero-byte.pdf": lambda d: b"",
    "truncated.pdf": lambda d: good_pdf(d)[:4000],
    "encrypted-owner-only.pdf": lambda d: encrypted(d, user_password=""),
    "password-protected.pdf": lambda d: encrypted(d, user_password="s3cret"),
    "not-a-pdf.pdf": lambda d: b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>",
    "zip-named.pdf": lambda d: b"PK\x03\x04" + bytes(range(256)) * 8,
    "empty-5000-pages.pdf": lambda d: synth.write_empty_pages(d / "_e.pdf", 5000).read_bytes(),
    "flate-bomb.pdf": lambda d: flate_bomb(),
    "image-bomb.pdf": lambda d: image_bomb(),
    "scanned-300-pages.pdf": lambda d: image_only_pages(300),
    "invalid-utf8.html": lambda d: html_with_invalid_utf8(),
    "gb18030.txt": lambda d: NOTICE.format(date="2023年6月20日").encode("gb18030"),
    "no-number-no-date.txt": lambda d: (
        "关于进一步做好政务公开工作的通知\n各市、县（区）人民政府：\n现就做好政务公开工作通知如下。\n"
        "一、加强组织领导。\n二、完善工作机制。\n"
    ).encode(),
    "date-in-chinese-numerals.txt": lambda d: NOTICE.format(date="二〇二三年六月二十日").encode(),
    "date-missing-ri.txt": lambda d: NOTICE.format(date="2023 年3 月23").encode(),
}


def build(directory: Path) -> dict[str, Path]:
    """Write every case into `directory`; returns name -> path."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, make in CASES.items():
        path = directory / name
        path.write_bytes(make(directory))
        paths[name] = path
    for leftover in directory.glob("_*"):
        leftover.unlink()
    return paths
