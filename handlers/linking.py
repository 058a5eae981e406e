"""Link a chat to a Digiwatt account: by a signed deep link (`/start <token>`) or by hand (`/link`).

Both ways end the same: the user exists at Digiwatt (create-user; "already exists" is fine), the
chat is linked in storage within MAX_CHATS_PER_ACCOUNT, and onboarding begins.
"""

from __future__ import annotations

import contextlib
import html
import logging
import time
from collections.abc import Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.digiwatt.errors import Conflict, DigiwattError, NotFound, ValidationError
from bot.digiwatt.models import ACCOUNT_NUMBER_PATTERN, POD_PATTERN, normalize_pod
from bot.known_chats import known_chats
from bot.links import ExpiredToken, LinkClaim, LinkTokenError, verify_token
from bot.settings import Settings
from bot.telegram_request import send_text
from handlers.common import MAX_INPUT_CHARS, current_link, db, private_only, reply
from handlers.onboarding import begin_onboarding
from storage.repositories import links, profiles, tokens

log = logging.getLogger(__name__)

ASK_POD, ASK_ACCOUNT = "pod", "account"
END = ConversationHandler.END

START, BACK, CANCEL = "lnk:start", "lnk:back", "lnk:cancel"

# Refused attempts (Digiwatt knows no such customer) per chat, to stop guessing account numbers.
MAX_FAILED_ATTEMPTS = 5
ATTEMPT_WINDOW_S = 3600
_FAILURES = "link_failures"  # chat_data: Unix times of refused attempts (persisted)
_POD = "link_pod"  # chat_data: the POD typed at the first step
_ECHO_CHARS = 40  # typed input quoted back in an error, at most this long

_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND


def handlers(settings: Settings) -> list[BaseHandler]:
    """The linking conversation; `/start <token>` is one of its ways in."""
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("start", deep_link, filters=filters.ChatType.PRIVATE, has_args=True),
                CommandHandler("link", begin_manual_link),
                CallbackQueryHandler(begin_manual_link, pattern=f"^{START}$"),
            ],
            states={
                ASK_POD: _state(MessageHandler(_TEXT, got_pod), again=pod_question),
                ASK_ACCOUNT: _state(
                    MessageHandler(_TEXT, got_account),
                    CallbackQueryHandler(back_to_pod, pattern=f"^{BACK}$"),
                    again=account_question,
                ),
            },
            # Checked after the state's own handlers: /cancel, then guidance for the rest.
            fallbacks=[
                CommandHandler("cancel", cancel),
                CallbackQueryHandler(cancel, pattern=f"^{CANCEL}$"),
                MessageHandler(filters.UpdateType.MESSAGE & filters.COMMAND, other_command),
                MessageHandler(filters.UpdateType.MESSAGE & ~filters.TEXT, not_text),
            ],
            # A deep link or /link in the middle of a manual link starts over.
            allow_reentry=True,
            name="linking",
            persistent=True,
        )
    ]


def _state(*expected: BaseHandler, again: Callable[[BotContext], Question]) -> list[BaseHandler]:
    """A state's handlers: what it expects, then an old "lnk:" button, which repeats the question."""

    async def stale_button(update: Update, context: BotContext) -> None:
        assert update.callback_query is not None and update.effective_chat is not None
        await update.callback_query.answer(context._("This button is no longer active."))
        text, keyboard = again(context)  # the question again, below the press
        await send_text(context.bot, update.effective_chat.id, text, reply_markup=keyboard)

    return [*expected, CallbackQueryHandler(stale_button, pattern="^lnk:(?!cancel$)")]


async def other_command(update: Update, context: BotContext) -> None:
    """Any other command in the middle of linking: the state stays, the user is told how out."""
    await reply(
        update,
        context,
        context._(
            "We are in the middle of linking your account. Answer the question above, "
            "or send /cancel to stop first."
        ),
    )


async def not_text(update: Update, context: BotContext) -> None:
    """A sticker, photo or the like where a typed answer is expected."""
    await reply(
        update, context, context._("Please type your answer as text, or send /cancel to stop.")
    )


# --- the manual link ----------------------------------------------------------------------------


def _cancel_keyboard(context: BotContext, *, back: bool = False) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(context._("Cancel"), callback_data=CANCEL)]
    if back:
        row.insert(0, InlineKeyboardButton(context._("« Back"), callback_data=BACK))
    return InlineKeyboardMarkup([row])


@private_only
async def begin_manual_link(update: Update, context: BotContext) -> str | int:
    """/link or the "link my account" button: check we may, then ask for the POD."""
    assert update.effective_chat is not None
    if not context.settings.manual_link_enabled:
        await reply(
            update,
            context,
            context._(
                "Linking with the POD and account number is turned off. Open the link your "
                "energy company gave you (on its website or on your bill) to link this chat."
            ),
        )
        return END
    link = await current_link(context, update.effective_chat.id)
    if link is not None:
        await reply(
            update,
            context,
            context._(
                "This chat is already linked to account <b>{account}</b>. "
                "To link a different one, send /unlink first."
            ).format(account=html.escape(link.account_number)),
        )
        return END
    if await _refuse_if_locked(update, context):
        return END
    context.chat_data.pop(_POD, None)
    await ask(update, context, pod_question)
    return ASK_POD


Question = tuple[str, InlineKeyboardMarkup]


def pod_question(context: BotContext) -> Question:
    """The first question, with where to find the POD on the bill."""
    text = context._(
        "Let's link your Digiwatt account. First, your <b>POD</b>: the code of your "
        "electricity supply. You find it on your bill, in the supply details section; "
        "it starts with <b>IT</b>, for example <code>IT001E00123456</code>.\n\n"
        "Type it here (spaces and small letters are fine)."
    )
    return text, _cancel_keyboard(context)


def account_question(context: BotContext) -> Question:
    """The second question."""
    text = context._(
        "POD <code>{pod}</code>, thank you. Now your <b>account number</b> "
        "(customer code): it is on your bill too, near your name and address."
    ).format(pod=html.escape(context.chat_data.get(_POD, "")))
    return text, _cancel_keyboard(context, back=True)


async def ask(
    update: Update, context: BotContext, question: Callable[[BotContext], Question]
) -> None:
    text, keyboard = question(context)
    await reply(update, context, text, reply_markup=keyboard)


def _quoted(text: str) -> str:
    """The user's input, escaped and shortened, to show what was not understood."""
    text = text.strip()
    short = text if len(text) <= _ECHO_CHARS else text[: _ECHO_CHARS - 1] + "…"
    return html.escape(short)


async def got_pod(update: Update, context: BotContext) -> str:
    """Validate the POD (spaces and case forgiven), then ask for the account number."""
    assert update.message is not None and update.message.text is not None
    typed = update.message.text
    pod = normalize_pod(typed) if len(typed) <= MAX_INPUT_CHARS else ""
    if not POD_PATTERN.fullmatch(pod):
        await reply(
            update,
            context,
            context._(
                "<code>{typed}</code> is not a POD. A POD starts with IT and has 14 to 20 letters "
                "and digits, for example <code>IT001E00123456</code>: look on your bill, in the "
                "supply details section. Type it again, or send /cancel to stop."
            ).format(typed=_quoted(typed)),
        )
        return ASK_POD
    context.chat_data[_POD] = pod
    await ask(update, context, account_question)
    return ASK_ACCOUNT


async def back_to_pod(update: Update, context: BotContext) -> str:
    """The "back" button at the account number: ask for the POD again."""
    await ask(update, context, pod_question)
    return ASK_POD


async def got_account(update: Update, context: BotContext) -> str | int:
    """Validate the account number, register the user at Digiwatt, link the chat."""
    assert update.message is not None and update.message.text is not None
    assert update.effective_chat is not None
    typed = update.message.text
    account = "".join(typed.split()) if len(typed) <= MAX_INPUT_CHARS else ""
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(account):
        await reply(
            update,
            context,
            context._(
                "<code>{typed}</code> is not an account number: it has 4 to 32 letters, digits "
                "or dashes. Check your bill and type it again, or send /cancel to stop."
            ).format(typed=_quoted(typed)),
        )
        return ASK_ACCOUNT
    pod = context.chat_data.get(_POD)
    if pod is None:  # state restored without its data: start the questions again
        await ask(update, context, pod_question)
        return ASK_POD
    if await _refuse_if_locked(update, context):
        return END
    try:
        await _create_user(context, account, pod)
    except (NotFound, ValidationError):
        left = _record_failure(context)
        text = context._(
            "I could not find a customer with POD <code>{pod}</code> and account number "
            "<code>{account}</code>. Please check both on your bill."
        ).format(pod=html.escape(pod), account=html.escape(account))
        if left <= 0:
            await reply(update, context, text)
            await _refuse_if_locked(update, context)
            return END
        await reply(
            update,
            context,
            text + "\n" + context._("Attempts left this hour: {left}.").format(left=left),
        )
        await ask(update, context, pod_question)
        return ASK_POD
    except DigiwattError:
        log.warning("create-user failed while linking", exc_info=True)
        await reply(
            update,
            context,
            context._(
                "Digiwatt is not answering right now. Send the account number again in a "
                "minute, or /cancel."
            ),
        )
        return ASK_ACCOUNT
    context.chat_data.pop(_POD, None)
    await link_and_welcome(update, context, account, pod)
    return END


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel or the Cancel button: leave the conversation, nothing linked."""
    context.chat_data.pop(_POD, None)
    await reply(
        update,
        context,
        context._(
            "Linking cancelled; nothing was changed. Send /link whenever you want to try again."
        ),
        edit=update.callback_query is not None,
    )
    return END


# --- the attempt limit --------------------------------------------------------------------------


def _recent_failures(context: BotContext) -> list[float]:
    now = time.time()
    recent = [t for t in context.chat_data.get(_FAILURES, []) if now - t < ATTEMPT_WINDOW_S]
    if recent:
        context.chat_data[_FAILURES] = recent
    else:
        context.chat_data.pop(_FAILURES, None)
    return recent


def _record_failure(context: BotContext) -> int:
    """Note one refused attempt; returns how many are left in the window."""
    recent = [*_recent_failures(context), time.time()]
    context.chat_data[_FAILURES] = recent
    return MAX_FAILED_ATTEMPTS - len(recent)


async def _refuse_if_locked(update: Update, context: BotContext) -> bool:
    """Too many refused attempts in the last hour: say when to come back and return True."""
    recent = _recent_failures(context)
    if len(recent) < MAX_FAILED_ATTEMPTS:
        return False
    # The oldest attempt that still counts leaves the window then (rounded up to the minute).
    until = recent[-MAX_FAILED_ATTEMPTS] + ATTEMPT_WINDOW_S + 59
    local = datetime.fromtimestamp(until, context.settings.timezone)
    await reply(
        update,
        context,
        context._(
            "Too many attempts that did not match. For your security, linking by POD is paused "
            "for this chat: please try again after {time}."
        ).format(time=f"{local:%H:%M}"),
    )
    return True


# --- the deep link ------------------------------------------------------------------------------


async def deep_link(update: Update, context: BotContext) -> int:
    """/start <token>: verify the signed token, spend it once, link the chat."""
    assert update.effective_chat is not None
    context.chat_data.pop(_POD, None)
    token = (context.args or [""])[0]
    try:
        claim = verify_token(context.settings.link_secrets, token)
    except ExpiredToken:
        await reply(
            update,
            context,
            context._(
                "This link has expired. Ask your energy company for a new one (on its website), "
                "or send /link to link with your POD and account number."
            )
            if context.settings.manual_link_enabled
            else context._(
                "This link has expired. Ask your energy company for a new one (on its website)."
            ),
        )
        return END
    except LinkTokenError:
        await reply(
            update,
            context,
            context._(
                "This link is not valid: it may have been copied only in part. Open it again "
                "from your energy company's website or your bill, exactly as it is."
            ),
        )
        return END

    link = await current_link(context, update.effective_chat.id)
    if link is not None and link.account_number == claim.account_number:
        await reply(
            update,
            context,
            context._("This chat is already linked to account <b>{account}</b>.").format(
                account=html.escape(claim.account_number)
            ),
        )
        return END
    if claim.pod is not None:
        try:
            await _create_user(context, claim.account_number, claim.pod)
        except (NotFound, ValidationError):
            await reply(
                update,
                context,
                context._(
                    "Digiwatt does not know the account in this link. Please contact your "
                    "energy company."
                ),
            )
            return END
        except DigiwattError:
            log.warning("create-user failed for a deep link", exc_info=True)
            await reply(
                update,
                context,
                context._(
                    "Digiwatt is not answering right now. Open the link again in a minute: "
                    "it has not been used up."
                ),
            )
            return END
    await link_and_welcome(update, context, claim.account_number, claim.pod, claim=claim)
    return END


# --- linking itself -----------------------------------------------------------------------------


async def _create_user(context: BotContext, account: str, pod: str) -> None:
    """Register the customer at Digiwatt; one already registered is what we want anyway."""
    assert context.resources.digiwatt is not None
    with contextlib.suppress(Conflict):
        await context.resources.digiwatt.create_user(
            pod, account, context.settings.digiwatt_company_code
        )


async def link_and_welcome(
    update: Update,
    context: BotContext,
    account: str,
    pod: str | None,
    *,
    claim: LinkClaim | None = None,
) -> bool:
    """Link the chat (spending `claim`'s token in the same transaction), confirm, start onboarding."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    reused = onboarded = False
    try:
        # One transaction: a token is spent only if the link is made (not over the limit).
        async with db(context) as session:
            if claim is not None and not await tokens.spend(
                session, claim.token_id, expires_at=claim.expires_at
            ):
                reused = True
            else:
                current = await links.get_link(session, chat_id)
                if pod is None:  # a token without POD: keep the one we know, if any
                    pod = current.pod if current and current.account_number == account else ""
                await links.link(
                    session,
                    chat_id,
                    account,
                    pod,
                    max_chats_per_account=context.settings.max_chats_per_account,
                )
                onboarded = await profiles.latest(session, account) is not None
    except links.LinkLimitReached as error:
        await reply(
            update,
            context,
            context._(
                "This account is already linked from the maximum number of chats ({limit}). "
                "Send /unlink in one of them, then try again."
            ).format(limit=error.limit),
        )
        return False
    finally:
        known_chats(context.resources).forget(chat_id)  # the next read sees the new link
    if reused:
        await reply(
            update,
            context,
            context._(
                "This link has already been used: each link works only once. Ask your energy "
                "company for a new one."
            ),
        )
        return False
    await reply(
        update,
        context,
        context._(
            "Done! This chat is now linked to your Digiwatt account <b>{account}</b>."
        ).format(account=html.escape(account)),
    )
    if onboarded:
        await reply(
            update,
            context,
            context._(
                "I already know your household, so you are all set: send /menu to see what I "
                "can show you, or /profile to check your household."
            ),
        )
    else:
        await begin_onboarding(update, context)  # onboarding starts right after linking
    return True
