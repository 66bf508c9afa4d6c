"""On ``PYTHONPATH`` for the component run of styrened's test suite: every Python
process of that run, the subprocesses styrened's tests start included, puts the
component's drop-ins in place of styrened's modules before anything else imports
styrened. A run that could not activate stops here instead of testing styrened
against itself."""

import styrene_wasm

if not styrene_wasm.activate():
    raise SystemExit(f"styrene_wasm could not take styrened's place: {styrene_wasm.unavailable_reason()}")
