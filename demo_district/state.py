"""What the simulator remembers of the district between days: its agencies, the indicators it spends from
this year, and the payment applications waiting for their day. Payments themselves are never held."""

from __future__ import annotations

from dataclasses import dataclass

from fiscal_core.domain import commands as c


@dataclass
class Agency:
    code: str
    name: str
    agency_type: str
    dept: str
    func: str
    sector: str
    staff_range: tuple[int, int]
    is_dept: bool
    own_acct: str = ""
    zero_acct: str = ""


@dataclass
class Ind:
    """An executable indicator the simulator spends from in the current year."""

    bgt_id: str
    pro_code: str
    agency: str
    func: str
    dep: str
    gov: str
    fund: str
    amount: int
    kind: str                     # project / public / contribution / retiree / gov_pur / sangong
    payee: str = "company"
    target: float = 0.93          # share of the amount spent in the year
    spent: int = 0
    name: str = ""
    contract: tuple[str, str, str] | None = None   # (contract_no, supplier, account)
    plan_id: str | None = None
    slow: bool = False
    contract_amt: int = 0         # what the contract covers (its plan reserves exactly that)
    contract_spent: int = 0       # scheduled against the contract so far
    held: int = 0                 # planted payments to come outside the contract
    held_contract: int = 0        # planted payments to come through the contract


@dataclass
class Pending:
    cmd: c.SubmitPayment
    large: bool
    case: str | None = None        # ground-truth case id
