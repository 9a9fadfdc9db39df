"""Schemathesis hooks for the fuzz run (loaded by the CLI from this file's path).

Half the generated path parameters are ids of objects that exist in the fuzzed shop (made by the
security suite's factories before the run), so the fuzzer reaches the code behind the 404s.
"""
import json
import os

import schemathesis
from hypothesis import strategies as st

IDS_ENV = "CROWDCART_FUZZ_IDS"
_IDS = json.loads(open(os.environ[IDS_ENV]).read()) if os.environ.get(IDS_ENV) else {}


@schemathesis.hook
def before_generate_path_parameters(context, strategy):
    """Generated values, or the ids of real objects for this operation's path parameters."""
    operation = context.operation
    known = _IDS.get(f"{operation.method.upper()} {operation.path}") if operation is not None else None
    if not known:
        return strategy
    return st.one_of(strategy, st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in known.items()}))
