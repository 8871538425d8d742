#!/usr/bin/env python3
"""Logs an agent in and writes one CSV row per screen pop, answering and wrapping up each call.

    python screen_pops_csv.py pops.csv                 # on the embedded simulator, until Ctrl-C
    python screen_pops_csv.py pops.csv --calls 3       # stop after three calls
    python screen_pops_csv.py pops.csv --service --user agent-7 --disposition 12

For every call offered to the agent it writes the interaction id, the media type, the
caller's number (ANI), the caller's name and the call's user fields (``key=value`` pairs,
masked values starred), then accepts the call, lets it run for ``--talk`` seconds, ends it
unless the caller already did, and disposes of it. It stops after ``--calls`` calls, or on
Ctrl-C; either way it logs the agent out (waiting for the call under way to be disposed).

By default it runs on the simulator embedded in ccbridge, which plays the contact center:
it routes a made-up call to the agent whenever the agent is idle. With ``--service`` it runs
against the real Alvaria Cloud service named by the environment (credentials never go on
the command line): ``CCBRIDGE_ORG_ID``, ``CCBRIDGE_CLIENT_ID``, ``CCBRIDGE_CLIENT_SECRET``,
``CCBRIDGE_API_KEY`` and, optionally, ``CCBRIDGE_BASE_URL``; the calls are then the ones
your contact center routes to the agent.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import time
from typing import List, Optional, Sequence, TextIO

import ccbridge
from ccbridge.events import EcScreenPopEvent

log = logging.getLogger("screen_pops_csv")

#: The CSV's columns.
HEADER = ["interaction_id", "media_type", "ani", "caller_name", "user_fields"]

#: The callers the simulator plays, in turn: (ANI, first name, last name, user fields).
SIM_CALLERS = [
    ("6035550101", "ADA", "LOVELACE", [("Account", "A-1001", False), ("Reason", "billing", False)]),
    ("6035550102", "ALAN", "TURING", [("Account", "A-1002", False), ("PIN", "2468", True)]),
    ("6035550103", "GRACE", "HOPPER", [("Reason", "new order", False)]),
]


def row_of(pop: Optional[EcScreenPopEvent], interaction_id: str, media_type: Optional[str]) -> List[str]:
    """The CSV row of one screen pop."""
    info = pop.payload.interaction_info if pop is not None and pop.payload is not None else None
    screen = info.screen_data if info is not None else None
    ani = (screen.ani or screen.phone_number or "") if screen is not None else ""
    name = ""
    if screen is not None:
        name = " ".join(p for p in (screen.first_name, screen.last_name) if p) or (screen.caller_id or "")
    fields = []
    for item in (info.interaction_data or []) if info is not None else []:
        value = "****" if item.is_masked else (item.value or "")
        fields.append(f"{item.key}={value}")
    return [interaction_id, media_type or "", ani, name, "; ".join(fields)]


class Desk:
    """The agent's side: one CSV row per screen pop; answers and wraps up each call."""

    def __init__(
        self,
        agent: ccbridge.AgentSession,
        out: TextIO,
        talk: float,
        disposition: str,
        sim: Optional[ccbridge.Simulator],
    ) -> None:
        self.agent = agent
        self.writer = csv.writer(out)
        self.out = out
        self.talk = talk
        self.disposition = disposition
        self.sim = sim
        self.offered = 0
        self.rows = 0
        self.handled = 0

    def route_next_call(self) -> None:
        """On the simulator only: the contact center routes a call to the idle agent."""
        if self.sim is None:
            return
        ani, first, last, fields = SIM_CALLERS[self.offered % len(SIM_CALLERS)]
        self.sim.offer(
            self.agent.user_id,
            screen_data={"ani": ani, "firstName": first, "lastName": last},
            interaction_data=[{"key": k, "value": v, "isMasked": m} for k, v, m in fields],
        )
        self.offered += 1

    def handle(self, interaction_id: str) -> None:
        """Writes the screen pop's row, then accepts, ends and disposes of the call."""
        interaction = self.agent.snapshot().interaction(interaction_id)
        if interaction is None:  # gone already (the caller gave up)
            return
        self.writer.writerow(row_of(interaction.screen_pop, interaction_id, interaction.media_type))
        self.out.flush()
        self.rows += 1
        self.agent.accept(interaction_id)
        log.info("call %s accepted", interaction_id)
        time.sleep(self.talk)
        now = self.agent.snapshot().interaction(interaction_id)
        if now is not None and now.state in ("Active", "Held"):
            self.agent.terminate(interaction_id)
        # Disposed once in wrap-up (at once after terminate; after the caller's hang-up
        # otherwise).
        deadline = time.monotonic() + 60
        while True:
            now = self.agent.snapshot().interaction(interaction_id)
            if now is None or now.state in ("Wrap", "Cleared") or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.agent.dispose(
            interaction_id,
            disposition_id=self.disposition,
            wrap_required=False,
            sales_flag=False,
            callback_flag=False,
            interaction_data_collection=[],
        )
        self.handled += 1
        log.info("call %s disposed (%d handled)", interaction_id, self.handled)

    def wrap_up(self) -> None:
        """Ends and disposes of the calls under way, so that the logout need not wait."""
        for interaction in self.agent.snapshot().interactions:
            iid = interaction.interaction_id
            try:
                if interaction.state in ("Active", "Held"):
                    self.agent.terminate(iid)
                if interaction.state != "Offered":
                    self.agent.dispose(
                        iid,
                        disposition_id=self.disposition,
                        wrap_required=False,
                        sales_flag=False,
                        callback_flag=False,
                        interaction_data_collection=[],
                    )
            except ccbridge.Error as e:
                log.warning("could not wrap up call %s: %s", iid, e)

    def run(self, calls: Optional[int]) -> None:
        """Handles calls until `calls` were handled (None: until Ctrl-C)."""
        self.writer.writerow(HEADER)
        self.out.flush()
        routed = False  # a simulated call is on its way to the agent
        if self.sim is not None and self.agent.state == "Idle":
            self.route_next_call()
            routed = True
        for change in self.agent.changes():
            if change.kind == "InteractionOffered" and change.interaction_id is not None:
                routed = False
                self.handle(change.interaction_id)
                if calls is not None and self.handled >= calls:
                    return
            elif change.kind == "LoggedOut":
                raise SystemExit(f"the agent was logged out: {change.message or 'by the service'}")
            elif change.kind == "Gap":
                log.warning("events may have been lost (stream recreated); the session re-attached")
            # The simulated contact center routes work to idle agents only: the next call
            # once the last one's disposition made the agent idle again.
            if self.sim is not None and not routed and change.new_state == "Idle":
                if not self.agent.snapshot().interactions:
                    self.route_next_call()
                    routed = True


def client_from_environment() -> ccbridge.ViaClient:
    missing = [
        v
        for v in ("CCBRIDGE_ORG_ID", "CCBRIDGE_CLIENT_ID", "CCBRIDGE_CLIENT_SECRET", "CCBRIDGE_API_KEY")
        if not os.environ.get(v)
    ]
    if missing:
        raise SystemExit(f"--service needs the environment variables {', '.join(missing)}")
    return ccbridge.ViaClient(
        org_id=os.environ["CCBRIDGE_ORG_ID"],
        client_id=os.environ["CCBRIDGE_CLIENT_ID"],
        client_secret=os.environ["CCBRIDGE_CLIENT_SECRET"],
        api_key=os.environ["CCBRIDGE_API_KEY"],
        base_url=os.environ.get("CCBRIDGE_BASE_URL") or None,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", help="file the rows are written to (replaced)")
    parser.add_argument("--calls", type=int, default=None, help="stop after this many calls (default: Ctrl-C)")
    parser.add_argument("--user", default="agent-1", help="the agent's userId (default agent-1)")
    parser.add_argument("--station", default=None, help="the agent's station (phone number), if it needs one")
    parser.add_argument("--disposition", default="1", help="dispositionId of every call (default 1)")
    parser.add_argument("--talk", type=float, default=0.2, help="seconds each call lasts (default 0.2)")
    parser.add_argument("--service", action="store_true", help="use the real service named by CCBRIDGE_* variables")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each call")
    args = parser.parse_args(argv)
    if args.calls is not None and args.calls < 1:
        parser.error("--calls must be at least 1")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")

    sim = None if args.service else ccbridge.Simulator(poll_wait=0.2)
    try:
        client = client_from_environment() if sim is None else sim.client()
        # keepAlive every 30 s: once one was sent, the service logs out an agent whose next
        # one is more than a minute late, rather than keeping a login nobody uses.
        with ccbridge.AgentSession.login(
            client, args.user, initial_state="Idle", station=args.station, keep_alive=30
        ) as agent, open(args.csv, "w", newline="", encoding="utf-8") as out:
            desk = Desk(agent, out, args.talk, args.disposition, sim)
            try:
                desk.run(args.calls)
            except KeyboardInterrupt:
                print("interrupted: wrapping up and logging out", file=sys.stderr)
                desk.wrap_up()
            finally:
                if agent.state != "Disconnected":
                    # With a call under way the service waits for its disposition.
                    agent.logout(timeout=120)
            print(
                f"{desk.rows} screen pop(s) written to {args.csv}, {desk.handled} call(s) handled",
                file=sys.stderr,
            )
    except ccbridge.Error as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    finally:
        if sim is not None:
            sim.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
