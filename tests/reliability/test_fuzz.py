"""10,000 random updates from 20 users at once, in every conversation state, through the real bot.

The users start spread over the states (onboarded, half-way through onboarding, in the middle of
/link, typing an alert time, sharing an account, brand new) and each round every one of them does
a few random steps at the same time (see fuzz.py for the steps and for the answer rule). Hypothesis
draws the rounds; it does not shrink them (the bot's state carries over from round to round, so a
failing round alone would not fail again): the failure message lists what went wrong instead.

What must hold: no exception reaches an error handler and no ERROR is logged; every update is
answered or ignored as the rule allows; no bot message shows a user's tag as formatting; then
each user gets out of whatever they were in with /cancel (at most three) and a welcome from
/start; and the database is consistent.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from bot.alerts import ALERTS_JOB
from bot.app import build_application
from bot.context import BotContext
from bot.i18n import translator
from playground.client import PlaygroundClient
from playground.demo import serving
from playground.server import RunningServer
from tests.fixtures.app import LINK_SECRET, make_settings
from tests.fixtures.database import sqlite_url
from tests.fixtures.simulator import fresh_customer
from tests.reliability.checks import database_problems
from tests.reliability.figures import FIGURES
from tests.reliability.fuzz import Fuzzer, Persona, Step, round_of

UPDATES = int(os.environ.get("FUZZ_UPDATES", "10000"))
SEED = int(os.environ.get("FUZZ_SEED", "20250602"))
USERS = 20
STEPS_PER_ROUND = 2  # per user

ONBOARDING = (
    Step("tap", text="onb:type:apartment"),
    Step("text", text="85"),
    Step("text", text="BO"),
    Step("tap", text="onb:n:adults:2"),
    Step("tap", text="onb:n:children:1"),
    Step("tap", text="onb:n:elderly:0"),
    Step("tap", text="onb:done"),
    Step("tap", text="onb:ok"),
)


def _setup_steps(index: int) -> list[Step]:
    """Where user `index` is when the fuzz begins."""
    link = Step("start", text="@@token")
    if index < 5:  # linked and onboarded
        return [link, *ONBOARDING]
    if index < 9:  # linked, somewhere in the onboarding
        return [link, *ONBOARDING[: index - 4]]
    if index < 12:  # in the middle of /link, at the POD or at the account number
        return [Step("text", text="/link"), *([Step("text", text="@@pod")] if index > 9 else [])]
    if index < 14:  # typing the time of the alerts
        return [
            Step("text", text="/settings"),
            Step("tap", text="set:time"),
            Step("tap", text="set:time:type"),
        ]
    if index < 17:  # three chats sharing one account (the most allowed)
        return [Step("start", text="@@token_shared")]
    return []  # never wrote to the bot


@dataclass
class Errors:
    """Everything that reached an error handler, and every ERROR log line, during the fuzz."""

    handled: list[str]
    logged: list[str]


class _ErrorLog(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        # The bot's own loggers and its libraries'; the stand-ins (playground, simulator) log
        # their side, e.g. a request the bot cancelled on purpose.
        if not record.name.startswith(("playground", "simulator", "uvicorn")):
            self.sink.append(f"{record.name}: {record.getMessage()[:200]}")


@pytest.fixture
async def fuzz_bot(
    playground: PlaygroundClient,
    botapi_server: RunningServer,
    botapi_url: str,
    simulator_url: str,
    tmp_path: Path,
    _sqlite_template: Path,
) -> AsyncIterator[tuple[Fuzzer, list[Persona], Errors]]:
    """The bot on SQLite (the fuzz is long: one engine is enough), 20 personas placed in their
    states, errors captured."""
    path = tmp_path / "fuzz.db"
    shutil.copyfile(_sqlite_template, path)
    users = [
        await playground.create_user(f"User{i}", language_code=("it", "en", None, "de")[i % 4])
        for i in range(USERS)
    ]
    shared = fresh_customer()
    personas = [Persona(user, fresh_customer(), shared) for user in users]
    settings = make_settings(
        botapi_url,
        simulator_url,
        sqlite_url(path),
        telegram_global_rate=1000,  # the fuzz is no test of Telegram's limits
        admin_chat_ids=[users[0].id],
    )
    application = build_application(settings)
    errors = Errors([], [])

    async def capture(update: object, context: BotContext) -> None:
        errors.handled.append(f"{type(context.error).__name__}: {context.error}"[:300])

    application.add_error_handler(capture)
    async with serving(application):
        assert application.job_queue is not None
        for job in application.job_queue.get_jobs_by_name(ALERTS_JOB):
            job.enabled = False  # no alert may pass for an answer
        fuzzer = Fuzzer(application, playground, botapi_server, LINK_SECRET)
        # Each persona acts in groups of their own (with a member who never writes), so every
        # chat has one writer and an answer is never credited to someone else's message.
        for index, persona in enumerate(personas):
            other = personas[(index + 1) % USERS].id
            for n in range(3):
                group = await playground.create_group(f"Group {index}.{n}", [persona.id, other])
                persona.groups.append(group)
        await asyncio.gather(*(_place(fuzzer, p, i) for i, p in enumerate(personas)))
        log = _ErrorLog(errors.logged)
        logging.getLogger().addHandler(log)
        try:
            yield fuzzer, personas, errors
        finally:
            logging.getLogger().removeHandler(log)


async def _place(fuzzer: Fuzzer, persona: Persona, index: int) -> None:
    for step in _setup_steps(index):
        if step.kind == "tap":
            result = await fuzzer.playground.press(persona.id, data=step.text)
            assert result.update_id is not None
            assert await fuzzer.tracker.wait(result.update_id)
        else:
            assert await fuzzer.run(persona, step, count=False), step


def explore(play: Callable[[list[list[Step]]], bool], personas: list[Persona], rounds: int) -> None:
    """Hypothesis draws the rounds; `play` returns False once enough updates were sent."""

    @seed(SEED)
    @settings(
        max_examples=rounds,
        phases=[Phase.generate],  # no shrinking: the bot's state is not replayable
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(round_of(personas, STEPS_PER_ROUND))
    def one_round(steps: list[list[Step]]) -> None:
        play(steps)

    one_round()


@pytest.mark.slow
async def test_ten_thousand_random_updates_leave_every_user_answered_and_the_data_consistent(
    fuzz_bot: tuple[Fuzzer, list[Persona], Errors],
) -> None:
    fuzzer, personas, errors = fuzz_bot
    FIGURES.ran.add("fuzz")
    loop = asyncio.get_running_loop()
    started = time.monotonic()

    async def round_(steps: list[list[Step]]) -> None:
        await fuzzer.begin_round()

        async def walk(persona: Persona, mine: list[Step]) -> None:
            for step in mine:
                await fuzzer.run(persona, step)

        await asyncio.gather(*(walk(p, s) for p, s in zip(personas, steps, strict=True)))
        await fuzzer.check_round()

    def play(steps: list[list[Step]]) -> bool:
        if fuzzer.outcome.updates >= UPDATES:
            return False
        asyncio.run_coroutine_threadsafe(round_(steps), loop).result()
        return True

    per_round = USERS * STEPS_PER_ROUND
    await asyncio.to_thread(explore, play, personas, UPDATES // per_round * 2)
    outcome = fuzzer.outcome
    FIGURES.updates_fuzzed += outcome.updates
    FIGURES.updates_ignored += outcome.ignored
    FIGURES.exceptions += len(errors.handled) + len(errors.logged)
    FIGURES.fuzz_seconds += time.monotonic() - started

    assert outcome.updates >= UPDATES, f"only {outcome.updates} updates: {dict(outcome.kinds)}"
    assert not errors.handled, errors.handled[:20]
    assert not errors.logged, errors.logged[:20]
    assert not outcome.hung, outcome.hung[:20]
    assert not outcome.unanswered, outcome.unanswered[:20]
    assert not outcome.apologies, outcome.apologies[:20]
    assert not outcome.injected, outcome.injected[:20]

    # A way out for everyone: /cancel (as often as there are conversations), then a welcome.
    await asyncio.gather(*(_way_out(fuzzer, persona) for persona in personas))
    assert not errors.handled and not errors.logged, (errors.handled + errors.logged)[:20]
    assert await database_problems(fuzzer.application) == []


NOTHING_TO_CANCEL = "There is nothing to cancel right now. Send /help to see what I can do."
WELCOME = "Hi {name}! I am the Digiwatt assistant of your energy company. I show you:"


async def _way_out(fuzzer: Fuzzer, persona: Persona) -> None:
    # Either language: the user may have picked one in /settings.
    languages = [translator("en"), translator("it")]
    said: list[str] = []
    for _attempt in range(4):
        text = await _answer(fuzzer, persona, "/cancel")
        said.append(text)
        if any(_(NOTHING_TO_CANCEL) in text for _ in languages):
            break
    else:
        pytest.fail(f"user {persona.id} cannot get out with /cancel: {said}")
    welcome = await _answer(fuzzer, persona, "/start")
    name = persona.user.first_name
    assert any(_(WELCOME).format(name=name) in welcome for _ in languages), welcome


async def _answer(fuzzer: Fuzzer, persona: Persona, text: str) -> str:
    """What the bot says (its messages joined) to `text` from the persona's private chat."""
    before = await fuzzer.playground.last_seq()
    assert await fuzzer.run(persona, Step("text", text=text), count=False)
    events, _ = await fuzzer.playground.events(persona.id, after=before)
    said = [
        e["message"].get("text") or e["message"].get("caption") or ""
        for e in events
        if e["type"] in ("message", "edit") and e["message"]["from_bot"]
    ]
    assert said, f"user {persona.id}: no answer to {text}"
    return "\n".join(said)
