"""Schemathesis hooks (SCHEMATHESIS_HOOKS, loaded by scripts/schemathesis.sh): besides the values schemathesis
derives from the OpenAPI document, every path parameter and query value is also drawn from a corpus of hostile
strings (NUL, %00, surrogates and overlong UTF-8 as raw escapes, control and invisible characters, 10 KB ids),
so that "no 5xx" is checked on what clients actually throw at the API. The vitest corpus tests
(services/*/src/hostile-input*.test.ts) are the thorough ones; this is the same idea under property testing."""

from hypothesis import strategies as st
import schemathesis
from schemathesis.core.parameters import EncodedPath

# Path values as they stand in the URL: sent as they are, not re-encoded (EncodedPath).
PATH_CORPUS = [
    "%00",
    "a%00b",
    "%01",
    "%7F",
    "%C2%85",
    "%ED%A0%80",  # a lone surrogate, UTF-8-encoded: not UTF-8
    "%C0%AF",  # overlong '/'
    "%C0%80",  # overlong NUL
    "%F4%90%80%80",  # above U+10FFFF
    "%FF",
    "%",
    "%zz",
    "%E2%80%AE",  # right-to-left override
    "%E2%80%8B",  # zero-width space
    "%2e%2e",
    "..%2F..%2Fetc%2Fpasswd",
    "a%2Fb",
    "a%3Fb",
    "%25",
    "%20",
    "cafe%CC%81",  # not NFC
    "x" * 10_240,
]

# Query values as text (requests encodes them; a lone surrogate cannot be sent as a query value).
QUERY_CORPUS = [
    "\x00",
    "a\x00b",
    "%00",
    "\x1f",
    "\u202eevil",
    "\u200b",
    "\ufeff",
    "\uffff",
    " ",
    "../x",
    "x" * 10_240,
    "\U0001F600" * 300,
]


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    hostile = st.sampled_from(PATH_CORPUS).map(
        lambda value: {name: EncodedPath(value) for name in path_parameters}
    )
    return st.one_of(st.just(path_parameters), hostile)


@schemathesis.hook
def flatmap_query(context, query):
    if not query:
        return st.just(query)
    # One parameter at a time: several 10 KB values would pass node's 16 KB limit on a request's head (431)
    # before the API sees them.
    hostile = st.tuples(st.sampled_from(sorted(query)), st.sampled_from(QUERY_CORPUS)).map(
        lambda pair: {**query, pair[0]: pair[1]}
    )
    return st.one_of(st.just(query), hostile)
