"""A page object for the web chat: what a person sees and clicks, with waits for the bot's answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

# The bot answers over real HTTP, renders charts in a worker process and reads the simulator.
BOT_TIMEOUT_MS = 20_000

DEMO_ACCOUNT = "1234567890"
DEMO_POD = "IT001E00123456"


@dataclass
class ChatPane:
    """One user's chat as drawn on the page."""

    page: Page
    root: Locator
    user_id: int

    # --- what the user does ----------------------------------------------------------------

    def start(self) -> None:
        """Press START in a chat never opened before."""
        self.root.locator(".start-button").click()

    def send(self, text: str) -> None:
        """Type a message and press Enter."""
        field = self.root.locator(".input")
        field.fill(text)
        field.press("Enter")
        expect(field).to_have_value("")

    def press(self, label: str | re.Pattern[str]) -> None:
        """Press the newest inline button with this label (waiting for it to appear)."""
        exact = f"^{re.escape(label)}$" if isinstance(label, str) else label.pattern
        button = self.root.locator(".ikb-button").filter(has_text=re.compile(exact)).last
        button.click(timeout=BOT_TIMEOUT_MS)

    def open_with_payload(self, payload: str) -> None:
        """Open the bot through t.me/<bot>?start=<payload>, with the pane's deep-link field."""
        self.root.locator(".deeplink-toggle").click()
        self.root.locator(".deeplink-input").fill(payload)
        self.root.locator(".deeplink-input").press("Enter")

    def set_language(self, code: str) -> None:
        """Switch this user's Telegram app language."""
        self.root.locator(".lang-select").select_option(code)

    # --- what the user sees ------------------------------------------------------------------

    @property
    def bot_messages(self) -> Locator:
        return self.root.locator(".msg.in")

    @property
    def my_messages(self) -> Locator:
        return self.root.locator(".msg.out")

    def bot_said(self, text: str | re.Pattern[str]) -> Locator:
        """The newest bot message containing `text`, once it is on screen."""
        message = self.bot_messages.filter(has_text=text).last
        expect(message).to_be_visible(timeout=BOT_TIMEOUT_MS)
        return message

    def texts(self) -> list[str]:
        """Every bubble's text, oldest first."""
        return self.root.locator(".msg .bubble").all_inner_texts()

    def commands_menu(self) -> dict[str, str]:
        """Open the ☰ Menu and read it: command -> description (then close it)."""
        self.root.locator(".menu-button").click()
        menu = self.root.locator(".commands-menu")
        expect(menu).to_be_visible()
        names = menu.locator(".command-name").all_inner_texts()
        descriptions = menu.locator(".command-description").all_inner_texts()
        self.root.locator(".menu-button").click()
        return {n.lstrip("/"): d for n, d in zip(names, descriptions, strict=True)}

    # --- journeys ----------------------------------------------------------------------------

    def link_by_pod(self, pod: str = DEMO_POD, account: str = DEMO_ACCOUNT) -> Locator:
        """START, "Link my account", the POD, the account number: returns the bot's confirmation."""
        self.start()
        self.bot_said(re.compile("link", re.I))
        self.press("Link my account")
        self.bot_said("POD")
        self.send(pod)
        self.bot_said(re.compile("account number", re.I))
        self.send(account)
        return self.bot_said(re.compile(f"linked.*{account}", re.S))


@dataclass
class WebChat:
    """The whole page: users on the left, chat panes side by side, demo tools on top."""

    page: Page
    url: str

    @classmethod
    def open(cls, page: Page, url: str) -> WebChat:
        page.goto(url)
        expect(page.locator("body.ready")).to_be_attached()
        return cls(page, url)

    def create_user(self, first_name: str, language: str = "en") -> ChatPane:
        """Create a simulated user with the sidebar form; their chat opens beside the others."""
        self.page.locator("#new-user-name").fill(first_name)
        self.page.locator("#new-user-lang").select_option(language)
        before = self.page.locator(".pane").count()
        self.page.locator("#new-user-create").click()
        expect(self.page.locator(".pane")).to_have_count(before + 1)
        item = self.page.locator(".user").filter(has_text=first_name).last
        user_id = int(item.get_attribute("data-user-id") or 0)
        return self.pane(user_id)

    def pane(self, user_id: int) -> ChatPane:
        root = self.page.locator(f'.pane[data-user-id="{user_id}"]')
        expect(root).to_be_visible()
        return ChatPane(self.page, root, user_id)

    def toast(self, text: str | re.Pattern[str]) -> Locator:
        toast = self.page.locator(".toast").filter(has_text=text).last
        expect(toast).to_be_visible(timeout=BOT_TIMEOUT_MS)
        return toast

    def run_alerts_at(self, hhmm: str) -> None:
        """The demo tool "Alerts … or at HH:MM · Run"."""
        self.page.locator("#alerts-at").fill(hhmm)
        self.page.locator("#run-alerts-at").click()

    def open_signed_link(self, account: str, *, with_pod: bool = True) -> None:
        """The demo tool "Signed link": sign a token and open it in the focused chat."""
        self.page.locator("#link-account").select_option(account)
        self.page.locator("#link-with-pod").set_checked(with_pod)
        self.page.locator("#link-open").click()
