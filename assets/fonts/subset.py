#!/usr/bin/env python3
"""Makes assets/fonts/NotoSansCJKsc-Regular-subset.otf from Debian's fonts-noto-cjk.

The full Noto Sans CJK SC face is ~16 MB; labels need simplified Chinese only. The subset keeps:
- ASCII, Latin-1, general punctuation, CJK symbols and punctuation, full-width forms;
- every GB2312 hanzi (6,763), enumerated from Python's gb2312 codec;
- every CJK character found in the repository's Rust sources (demo data, i18n, built-in labels).
The 8,105-character 通用规范汉字表 was not available offline here; GB2312 plus the repository's
own text is the fallback. Run: python3 -m venv v && v/bin/pip install fonttools &&
v/bin/python assets/fonts/subset.py
"""
import pathlib
import re
import subprocess
import sys

repo = pathlib.Path(__file__).resolve().parents[2]
ttc = pathlib.Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
out = repo / "assets/fonts/NotoSansCJKsc-Regular-subset.otf"

chars = set()
for cp in list(range(0x20, 0x7F)) + list(range(0xA0, 0x100)) + list(range(0x2000, 0x2070)) \
        + list(range(0x2100, 0x2200)) + list(range(0x2460, 0x24FF)) + list(range(0x3000, 0x3040)) \
        + list(range(0xFF00, 0xFFF0)) + [0x00B0, 0x00B1, 0x00D7, 0x2103, 0x2126, 0x00B5, 0x03BC]:
    chars.add(chr(cp))
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
cjk = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
for src in repo.glob("crates/**/*.rs"):
    chars.update(cjk.findall(src.read_text(encoding="utf-8")))

# Which face of the collection is SC.
from fontTools.ttLib import TTCollection  # noqa: E402

faces = TTCollection(str(ttc)).fonts
index = next(i for i, f in enumerate(faces) if "SC" in f["name"].getDebugName(1))
text = "".join(sorted(chars))
subprocess.run(
    [sys.executable, "-m", "fontTools.subset", str(ttc), f"--font-number={index}",
     f"--text={text}", f"--output-file={out}", "--layout-features=*", "--no-hinting",
     "--desubroutinize", "--name-IDs=*", "--name-languages=*"],
    check=True,
)
print(f"{out}: {len(chars)} characters, {out.stat().st_size} bytes")
