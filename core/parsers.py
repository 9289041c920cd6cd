"""The API's JSON parser: DRF's, with a body nested too deeply to parse answered as the parse
error it is (400 `parse_error`), not a 500. Python's `json` raises RecursionError, not
ValueError, at about 1,000 levels of `[` or `{`; DRF catches only ValueError."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
