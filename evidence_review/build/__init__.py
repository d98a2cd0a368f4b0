"""The build layer: the Sphinx extension (build/sphinx), executing chapters, the downloads, the
PDF, browser layout checks, page weights, a local server and the data check command."""
