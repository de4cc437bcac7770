"""Who is looking: the audience decides disclosure control and which localities are visible."""

from __future__ import annotations

from dataclasses import dataclass

from hub.contract import LOCALITIES

KINDS = ("board", "hub_lead", "csp")


@dataclass(frozen=True)
class Audience:
    kind: str  # board, hub_lead or csp
    locality: str | None = None  # a csp audience's own district

    @classmethod
    def parse(cls, text: str | None) -> Audience:
        """'board', 'hub_lead' or 'csp:E07000133'; ValueError for anything else."""
        text = (text or "board").strip()
        kind, _, locality = text.partition(":")
        if kind == "csp" and locality in LOCALITIES:
            return cls("csp", locality)
        if kind in ("board", "hub_lead") and not locality:
            return cls(kind)
        raise ValueError(f"unknown audience {text!r}: use board, hub_lead or csp:<ONS code>")

    @property
    def code(self) -> str:
        """As written in HUB_AUDIENCE: parse(a.code) == a."""
        return f"csp:{self.locality}" if self.kind == "csp" else self.kind

    @property
    def protected(self) -> bool:
        """Board and partnerships see figures under disclosure control; the hub lead does not."""
        return self.kind != "hub_lead"

    @property
    def visible_localities(self) -> tuple[str, ...]:
        return (self.locality,) if self.kind == "csp" else tuple(LOCALITIES)

    def __str__(self) -> str:
        if self.kind == "csp":
            return f"Partnership representative for {LOCALITIES[self.locality]}"
        return {"board": "Board member", "hub_lead": "Hub lead"}[self.kind]
