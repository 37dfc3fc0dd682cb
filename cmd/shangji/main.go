// Command shangji runs Shangji (商机): the web UI, the API and its tools.
package main

import (
	"os"

	"shangji/internal/cli"
)

func main() { os.Exit(cli.Main()) }
