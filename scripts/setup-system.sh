#!/usr/bin/env bash
# Installs the Debian packages gazette monitor needs, only those missing.
# Called by `make` before the virtual environment is built; safe to re-run.
#   fonts-wqy-zenhei  embedded CJK font for the sample gazette PDFs
#   poppler-utils     pdftoppm/pdfinfo, to look at generated PDFs as a person would
#   chromium          headless browser the dashboard tests drive through Playwright, and the
#                     digest tests render the HTML email in (--screenshot, --dump-dom)
#   tesseract-ocr, tesseract-ocr-chi-sim
#                     OCR of scanned pages during extraction (extractors/ocr.py); the Chinese
#                     model comes in the Debian package, nothing is downloaded at run time
set -euo pipefail

packages=(fonts-wqy-zenhei poppler-utils chromium tesseract-ocr tesseract-ocr-chi-sim)
missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "setup: installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
