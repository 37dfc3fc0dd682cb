#!/bin/sh
# Regenerates the spreadsheet fixtures in this directory from the CSV
# sources in src/, the way a sales team's files are really made: LibreOffice
# Calc opens the CSV (Chinese locale, dates typed as dates) and saves it as
# .xlsx, or as the GB18030 "CSV" Chinese Excel writes. Also derives the broken
# files of ../malformed that are cut from a good workbook.
#
# Needs LibreOffice (apt-get install libreoffice-calc-nogui), zip and unzip —
# only to make fixtures: the tests read the committed files and never run it.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A private profile, so a desktop LibreOffice that is open does not swallow
# the conversion.
lo() { soffice "-env:UserInstallation=file://$tmp/profile" --headless "$@" >/dev/null 2>&1; }

# CSV import options (LibreOffice "Filter Options" tokens): separator 44 (,),
# quote 34 ("), charset 76 (UTF-8), start at line 1, column formats as
# column/format pairs (5 = Y-M-D date, so the date columns become date cells
# holding serial numbers, as in a file typed into Excel), language.
deal_dates=7/5/8/5/9/5/10/5/11/5/12/5
zh="CSV:44,34,76,1,$deal_dates,2052,false,true"
en="CSV:44,34,76,1,$deal_dates,1033,false,true"

# Chinese headers, "Excel 2007-365" .xlsx, the way most teams save.
cp src/customers.csv src/opportunities.csv "$tmp/"
lo --infilter="CSV:44,34,76,1,,2052" --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir . "$tmp/customers.csv"
lo --infilter="$zh" --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir . "$tmp/opportunities.csv"

# English headers and stage names, LibreOffice's own "Office Open XML" flavour.
cp src/opportunities_en.csv "$tmp/"
lo --infilter="$en" --convert-to 'xlsx:Calc Office Open XML' --outdir . "$tmp/opportunities_en.csv"

# GB18030 (charset 85), written by LibreOffice from the workbooks: what
# Chinese Excel's "CSV (逗号分隔)" gives. "As shown" keeps dates as Y-M-D.
for f in customers opportunities; do
  mkdir -p "$tmp/gb"
  lo --convert-to 'csv:Text - txt - csv (StarCalc):44,34,85,1,,2052,false,false,true' --outdir "$tmp/gb" "$f.xlsx"
  mv "$tmp/gb/$f.csv" "${f}_gb18030.csv"
done

# Broken workbooks for the malformed corpus.
m=../malformed
head -c 2000 opportunities.xlsx > $m/truncated.xlsx # the zip's directory is gone
mkdir "$tmp/x" && (cd "$tmp/x" && unzip -q "$OLDPWD/opportunities.xlsx")
# The sheet's XML cut off inside row 6: rows 2–5 read, row 6 cannot be.
sheet="$tmp/x/xl/worksheets/sheet1.xml"
cut=$(grep -bo '<row r="6"' "$sheet" | head -1 | cut -d: -f1)
head -c $((cut + 60)) "$sheet" > "$sheet.cut" && mv "$sheet.cut" "$sheet"
rm -f $m/truncated_sheet.xlsx
(cd "$tmp/x" && zip -q -X -r "$OLDPWD/$m/truncated_sheet.xlsx" .)
echo "fixtures written"
