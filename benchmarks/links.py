"""Deep-link tokens: median microseconds to issue and to verify, and the token lengths."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

from pydantic import SecretStr

from bot.links import issue_token, verify_token

CURRENT = SecretStr("current-secret-0123456789abcdefghijkl")
PREVIOUS = SecretStr("previous-secret-0123456789abcdefghijk")
CASES = {
    "10-digit account, no POD": ("1234567890", None),
    "10-digit account, 14-char POD": ("1234567890", "IT001E12345678"),
    "16-digit account, 18-char POD": ("1234567890123456", "IT001E1234567890AB"),
    "16 mixed-case chars, 18-char POD": ("Ab-dEfGhIjKlMnOp", "IT001E1234567890AB"),
}


def _median_us(call, rounds: int = 2000) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(samples)


def main() -> None:
    for name, (account, pod) in CASES.items():
        token = issue_token(CURRENT, account, pod, timedelta(days=7))
        old = issue_token(PREVIOUS, account, pod, timedelta(days=7))
        issue = _median_us(lambda a=account, p=pod: issue_token(CURRENT, a, p, timedelta(days=7)))
        verify = _median_us(lambda t=token: verify_token([CURRENT, PREVIOUS], t))
        rotated = _median_us(lambda t=old: verify_token([CURRENT, PREVIOUS], t))
        print(
            f"{name}: {len(token)} chars (limit 64); issue {issue:.1f} us, "
            f"verify {verify:.1f} us (current key), {rotated:.1f} us (previous key)"
        )


if __name__ == "__main__":
    main()
