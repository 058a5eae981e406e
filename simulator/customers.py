"""The energy company's customers the simulator knows, so "link by POD" can succeed or fail.

Creating a user (POST /users) registers a *known* customer with Digiwatt. Known customers are:

- three fixed ones, one per POD shape the bot must accept:
  - 1234567890 / IT001E00123456      the demo account (a real-looking 14-character POD),
  - 1234567891 / IT001E1234567890AB  the docs' own request sample (18 characters),
  - 1234567892 / IT012E001234567     a 15-character POD;
- a deterministic family for tests and benchmarks: account 2000000000 + k (k = 0..99999)
  has POD "IT001E9" + k as seven digits, e.g. 2000000042 / IT001E90000042.

A malformed POD or account number is a 422 with field messages. An account that is not a known
customer, or a known account with somebody else's POD, is a 404 `customer_not_found`: both mean
"no customer with this account number and POD", which is what a user has to check on the bill.
A user created twice is a 409 `user_exists`. The company code is stored as given and not
checked: the simulator stands for a single energy company.
"""

from __future__ import annotations

from typing import NamedTuple

FIXED_CUSTOMERS: dict[str, str] = {
    "1234567890": "IT001E00123456",
    "1234567891": "IT001E1234567890AB",
    "1234567892": "IT012E001234567",
}
DEMO_ACCOUNT = "1234567890"
DEMO_POD = FIXED_CUSTOMERS[DEMO_ACCOUNT]

FAMILY_FIRST = 2_000_000_000
FAMILY_SIZE = 100_000


class Customer(NamedTuple):
    account_number: str
    pod: str


def family_account(k: int) -> Customer:
    """The k-th customer of the benchmark family (0 <= k < FAMILY_SIZE)."""
    if not 0 <= k < FAMILY_SIZE:
        raise ValueError(f"k must be in 0..{FAMILY_SIZE - 1}")
    return Customer(str(FAMILY_FIRST + k), f"IT001E9{k:07d}")


def pod_of(account_number: str) -> str | None:
    """The POD registered for a known account, or None for an unknown one."""
    if account_number in FIXED_CUSTOMERS:
        return FIXED_CUSTOMERS[account_number]
    if account_number.isdigit() and len(account_number) == 10:
        k = int(account_number) - FAMILY_FIRST
        if 0 <= k < FAMILY_SIZE:
            return family_account(k).pod
    return None


def describe() -> dict[str, object]:
    """What GET /_simulator/customers shows: the fixed customers and the family's rule."""
    return {
        "fixed": [{"account_number": a, "pod": p} for a, p in FIXED_CUSTOMERS.items()],
        "family": {
            "accounts": f"{FAMILY_FIRST}..{FAMILY_FIRST + FAMILY_SIZE - 1}",
            "pod_rule": 'account 2000000000 + k has POD "IT001E9" + k as seven digits',
            "examples": [family_account(k)._asdict() for k in (0, 1, 42, FAMILY_SIZE - 1)],
        },
    }
