"""Find a community: search as you type, filter by town, read about it, join it."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from kiosk.screens.base import KioskScreen, literal
from kiosk.screens.forms import chosen, town_select
from shared.clock import utcnow
from shared.communities import list_communities
from shared.keywords import fold
from shared.services.leading import community_page


def matches(community: dict, words: list[str]) -> bool:
    """Tell whether every searched word is in the code, name, town or description."""
    haystack = fold(" ".join(str(community[k] or "") for k in
                             ("code", "name", "town", "description", "place")))
    return all(word in haystack for word in words)


class CommunitiesScreen(KioskScreen):
    """Every active community, narrowed as the visitor types."""

    def __init__(self):
        super().__init__(id="communities")
        self.communities: list[dict] | None = None

    def compose(self) -> ComposeResult:
        _ = self._
        yield from self.title_bar(_("Find a community"))
        with Horizontal(id="filters"):
            yield Input(placeholder=_("Search, e.g. walk or knitting"), id="search",
                        max_length=40)
            yield town_select(self.app, id="town")
        yield Static("", id="count", classes="paragraph", markup=False)
        yield OptionList(id="list")

    def on_mount(self) -> None:
        self.query_one("#search", Input).focus()
        self.load_communities()

    @work(thread=True, exit_on_error=False, exclusive=True)
    def load_communities(self) -> None:
        """Read the communities in a worker: never query the store on the UI thread."""
        with self.app.store() as db:
            communities = list_communities(db, language=self.app.locale)
        self.app.call_from_thread(self.loaded, communities)

    def loaded(self, communities: list[dict]) -> None:
        self.communities = communities
        self.refresh_list()

    @on(Input.Changed, "#search")
    @on(Select.Changed, "#town")
    def refresh_list(self) -> None:
        if self.communities is None:
            return  # still loading: what is typed meanwhile is used when they arrive
        words = fold(self.query_one("#search", Input).value).split()
        town = chosen(self.query_one("#town", Select))
        shown = [c for c in self.communities
                 if (town is None or c["town"] == town) and matches(c, words)]
        options = self.query_one("#list", OptionList)
        options.clear_options()
        options.add_options(
            Option(literal(f"{c['name']}  ·  {c['town']}"), id=c["code"]) for c in shown)
        if shown:
            count = self.app.ngettext("{n} community", "{n} communities", len(shown)).format(
                n=len(shown))
        elif self.communities:
            # Nothing matched: say so, and how to find more, rather than "0".
            count = self._("No community matches. Try another word or another town.")
        else:
            count = self._("There are no communities yet.")
        self.query_one("#count", Static).update(count)

    @on(Input.Submitted, "#search")
    def to_list(self) -> None:
        options = self.query_one("#list", OptionList)
        if options.option_count:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#list")
    def open_community(self, event: OptionList.OptionSelected) -> None:
        self.app.push_screen(CommunityScreen(event.option_id))

    def action_back(self) -> None:
        self.go_home()


class CommunityScreen(KioskScreen):
    """One community: what, where, when, how many, and a button to join."""

    def __init__(self, code: str):
        super().__init__(id="community")
        self.code = code

    def compose(self) -> ComposeResult:
        # Drawn at once and filled by load_community(): no query on the UI thread.
        yield from self.title_bar("")
        with VerticalScroll(classes="body"):
            for part in ("description", "where", "when", "leaders", "members"):
                yield Static("", id=f"community-{part}", classes="paragraph")
            yield Button(self._("Join"), id="join", classes="choice")

    def on_mount(self) -> None:
        self.query_one("#join").focus()
        self.load_community()

    @work(thread=True, exit_on_error=False, exclusive=True)
    def load_community(self) -> None:
        with self.app.store() as db:
            community = community_page(db, self.code, self.app.locale, now=utcnow())
        self.app.call_from_thread(self.show_community, community)

    def show_community(self, community: dict) -> None:
        _ = self._
        texts = {
            "description": community["description"],
            "where": _("Where: {place}, {town}").format(place=community["place"],
                                                       town=community["town"]),
            "when": (_("Next time: {when}, {place}").format(
                         when=community["next_meeting"], place=community["next_place"])
                     if community["next_place"] else
                     _("Next time: {when}").format(when=community["next_meeting"])
                     if community["next_meeting"] else
                     _("When: {schedule}").format(schedule=community["schedule"])),
            "leaders": (_("Led by {names}").format(names=", ".join(community["leaders"]))
                        if community["leaders"] else ""),
            "members": self.app.ngettext("{n} member", "{n} members",
                                         community["members"]).format(n=community["members"]),
        }
        self.query_one(".title-bar .title", Static).update(literal(community["name"]))
        for part, text in texts.items():
            self.query_one(f"#community-{part}", Static).update(literal(text))

    @on(Button.Pressed, "#join")
    def join(self) -> None:
        from kiosk.screens.join import JoinScreen

        self.app.push_screen(JoinScreen(self.code))
