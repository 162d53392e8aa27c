"""A picture of the line: the menu drawn by asking the call flow what each key does, as SVG."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import click
import graphviz

from ivr import settings
from ivr.cli_options import CONTENT_OPTION, LINE_OPTION, configured_content
from ivr.line import spoken
from ivr.line.callstate import MAIN, START, Caller, CallState
from ivr.line.content import Content, Prompt
from ivr.line.events import Event
from ivr.line.flow import CallFlow, Moment, Reply
from ivr.line.keypad import KEYPAD
from ivr.line.understood import Understood
from ivr.tryout.caller import DIAL_RESULTS

FONT = "DejaVu Sans,Helvetica,Arial,sans-serif"
SILENT = ""  # the flow's way of saying no key was pressed
# The picture's flow has no callback list or SMS, the only parts that read when a call came: any time does.
ANYONE = Caller(datetime(2000, 1, 1, tzinfo=UTC))
LOOPED = replace(ANYONE, looped=True)
# What the flow is asked under: open, closed, and called from the secretariat's own number.
CONDITIONS = (("åbent", True, False), ("lukket", False, False), ("fra sekretariatets nummer", True, True))
KEY_ORDER = "123456789*0#"
# An edge to this id points at the group of sections: "the section just read".
SAME_SECTION = "sections"
# An edge from or to this id stands for the same edge from both menus, or back to the one the caller was in.
MENUS = "menus"


@dataclass(frozen=True)
class Node:
    """A box in the picture: a menu, a section, something said, the transfer or the end."""

    id: str
    label: str
    kind: str  # menu, section, said, dial, end, start
    tooltip: str = ""


@dataclass
class Picture:
    """The nodes and labelled edges found by walking the flow."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def node(self, node: Node) -> str:
        """Add a node once; return its id."""
        self.nodes.setdefault(node.id, node)
        return node.id

    def merge(self, first: str, second: str, group: str) -> None:
        """Draw edges that both nodes have alike once, from (or back to) their `group`."""
        for (source, target), labels in list(self.edges.items()):
            if source == first and self.edges.get((second, target)) == labels:
                del self.edges[(first, target)], self.edges[(second, target)]
                self.edges[(group, target)] = labels
            elif target == first and self.edges.get((source, second)) == labels:
                del self.edges[(source, first)], self.edges[(source, second)]
                self.edges[(source, group)] = labels

    def edge(self, source: str, target: str, label: str = "") -> None:
        """Add an edge, or another label to an existing one."""
        labels = self.edges.setdefault((source, target), [])
        if label and label not in labels:
            labels.append(label)


class Explorer:
    """Asks the flow what happens after each key, silence, transfer outcome; records it as a Picture."""

    def __init__(self, content: Content, max_tries: int) -> None:
        self.content = content
        self.flow = CallFlow(content, max_tries)
        self.max_tries = max_tries
        self.picture = Picture()
        hours = content.hours
        self.hours = spoken.opening_hours(hours.weekdays, hours.opens, hours.closes)

    def moment(self, is_open: bool) -> Moment:
        """Return a moment that is open or closed, with the next opening left as a placeholder."""
        return Moment(is_open, ("(næste åbningstid)",))

    def explore(self) -> Picture:
        """Walk the whole line: the welcome, both menus, the transfer and the failure paths."""
        start = self.picture.node(Node("start", "Opkald", "start", "Patienten ringer ind"))
        for name, is_open, _ in CONDITIONS[:2]:
            self.reply(start, self.flow.welcome(self.moment(is_open)), name)
        # Two sections stand for all: a key that reads each one's own section means "the same section".
        topics = [section.key for section in self.content.sections[:2]]
        for source, menus in ((self.menu_node(MAIN), [MAIN]), (self.topic_node(), topics)):
            self.keys(source, menus)
            self.failures(source, menus[0])
        if self.content.understands_speech:
            self.speech(self.menu_node(MAIN))
        self.dial_outcomes()
        self.picture.merge("main", "topic", MENUS)
        return self.picture

    def keys(self, source: str, menus: list[str]) -> None:
        """Draw what each keypad key does in `menus`, with the condition when it matters."""
        menu = menus[0]
        for key in sorted(KEYPAD, key=KEY_ORDER.index):
            replies = {
                name: self.flow.key(CallState(menu), key, self.moment(is_open), LOOPED if loop else ANYONE)
                for name, is_open, loop in CONDITIONS
            }
            if replies["åbent"].event in (Event.INVALID, Event.SILENCE):
                continue  # drawn with the failure paths
            again = len(menus) > 1 and all(self._stays(m, key) for m in menus)
            same = len({self.outcome(reply, menu) for reply in replies.values()}) == 1
            for name, reply in replies.items():
                self.reply(source, reply, key if same else f"{key} · {name}", menu, again)
                if same:
                    break

    def speech(self, source: str) -> None:
        """Draw what saying something does: a choice understood, a question back, nothing understood."""
        phrases = self.content.phrases()
        moment = self.moment(True)
        for key, said in phrases.items():
            reply = self.flow.heard(START, Understood("matched", key, 1.0), moment, ANYONE)
            self.reply(source, reply, f'siger "{said[0]}"')
        example = next(iter(phrases))
        unsure = self.flow.heard(START, Understood("ask", example, 0.6), moment, ANYONE)
        self.reply(source, unsure, "siger noget utydeligt (1 eller ja: det valg; 2 eller nej: tilbage)")
        for outcome, label in (
            ("urgent", "siger et hasteord"),
            ("unanswered", "spørger om noget, folderen ikke svarer på"),
        ):
            if outcome in self.content.lists:
                reply = self.flow.heard(START, Understood(outcome, None, 1.0), moment, ANYONE)  # type: ignore[arg-type]
                self.reply(source, reply, label)
        nothing = self.flow.heard(START, Understood("nothing", None, 0.0), moment, ANYONE)
        self.reply(source, nothing, "siger noget andet")

    def _stays(self, menu: str, key: str) -> bool:
        """Tell whether `key` in a section's menu reads that same section again."""
        return self.flow.key(CallState(menu), key, self.moment(True), ANYONE).state.menu == menu

    def failures(self, source: str, menu: str) -> None:
        """Draw invalid keys and silence: back to the menu at first, goodbye after the last try."""
        order = sorted(KEYPAD, key=KEY_ORDER.index)
        invalid = [key for key in order if self._is_invalid(menu, key)]
        kinds = [("ingen tast", SILENT)]
        if invalid:
            kinds.insert(0, (f"{_keys_label(invalid)} (ukendt tast)", invalid[0]))
        for kind, digits in kinds:
            turns: dict[tuple[str, tuple[str, ...]], tuple[Reply, list[int]]] = {}
            for tries in range(self.max_tries):
                reply = self.flow.key(CallState(menu, tries), digits, self.moment(True), ANYONE)
                turns.setdefault(self.outcome(reply, menu), (reply, []))[1].append(tries + 1)
            for reply, counts in turns.values():
                self.reply(source, reply, f"{kind}, {_counts(counts)} gang i træk", menu)

    def _is_invalid(self, menu: str, key: str) -> bool:
        return self.flow.key(CallState(menu), key, self.moment(True), ANYONE).event == Event.INVALID

    def dial_outcomes(self) -> None:
        """Draw what each outcome of the transfer leads to."""
        for status in DIAL_RESULTS:
            self.reply("dial", self.flow.dial_result(START, status, self.moment(True)), status)

    def outcome(self, reply: Reply, menu: str) -> tuple[str, tuple[str, ...]]:
        """Return where a reply leads and what it says first: equal outcomes share an edge."""
        target, own = self.target(reply, menu)
        return target, tuple(p.id for p in reply.prompts if p.id not in own)

    def reply(self, source: str, reply: Reply, label: str, menu: str = MAIN, again: bool = False) -> None:
        """Draw source -label-> (what is said first) -> where the reply leads."""
        target, own = self.target(reply, menu)
        if again and target.startswith("section_"):
            target, label = SAME_SECTION, f"{label} (samme emne)"
        lead = [prompt for prompt in reply.prompts if prompt.id not in own]
        if not lead:
            self.picture.edge(source, target, label)
            return
        said = self.picture.node(self.said_node(lead))
        self.picture.edge(source, said, label)
        self.picture.edge(said, target)

    def target(self, reply: Reply, menu: str) -> tuple[str, set[str]]:
        """Return the node a reply ends in and the ids of the prompts that node speaks itself."""
        if reply.then == "dial":
            number = spoken.phone_number(self.content.number)
            return self.picture.node(
                Node("dial", f"Stiller om til\n{self.content.number}", "dial", number)
            ), set()
        if reply.then == "hangup":
            return self.picture.node(Node("hangup", "Linjen lægger på", "end")), set()
        if reply.state.menu == MAIN:
            return self.menu_node(MAIN), {"main_menu", "transfer_offer"}
        section = self.content.section(reply.state.menu)
        assert section is not None  # the flow only answers with menus it knows
        if section.prompt in reply.prompts:
            return self.section_node(section.key), {section.prompt.id, "section_menu", "transfer_offer"}
        return self.topic_node(), {"section_menu", "transfer_offer"}

    def menu_node(self, menu: str) -> str:
        """Return the main menu's node."""
        offer = self.content.prompt("transfer_offer").text
        text = f"{self.content.prompt('main_menu').text}\n({self.hours}): {offer}"
        return self.picture.node(Node("main", "Hovedmenu", "menu", text))

    def topic_node(self) -> str:
        """Return the node for the choices read after every section."""
        text = self.content.prompt("section_menu").text
        return self.picture.node(Node("topic", "Efter et emne", "menu", text))

    def section_node(self, key: str) -> str:
        """Return a section's node, labelled with its key and title."""
        section = self.content.section(key)
        assert section is not None
        self.picture.edge(f"section_{key}", self.topic_node())
        return self.picture.node(
            Node(f"section_{key}", f"{key} · {section.title}", "section", section.prompt.text)
        )

    def said_node(self, prompts: Iterable[Prompt]) -> Node:
        """Return a node for prompts said on the way, labelled with the start of the first one."""
        prompts = list(prompts)
        label = _wrapped(_sentences(prompts[0].text)[0])
        if len(prompts) > 1:
            label += "\n…\n" + _wrapped(_sentences(prompts[-1].text)[-1])
        node_id = "said_" + "_".join(prompt.id for prompt in prompts)
        return Node(node_id, label, "said", " ".join(prompt.text for prompt in prompts))


def _sentences(text: str) -> list[str]:
    """Split a prompt into its sentences, each ending with its full stop."""
    return [part if part.endswith(".") else part + "." for part in text.split(". ")]


def _wrapped(text: str) -> str:
    """Wrap a label to short lines."""
    return "\n".join(textwrap.wrap(text, 30))


def _counts(counts: list[int]) -> str:
    """Name a run of turns, e.g. "1.–2." or "3."."""
    return f"{counts[0]}." if len(counts) == 1 else f"{counts[0]}.–{counts[-1]}."


def _keys_label(keys: list[str]) -> str:
    """Name keys compactly: three or more digits in a row become a range, e.g. "4–8, 0"."""
    runs: list[list[str]] = []
    for key in keys:
        previous = runs[-1][-1] if runs else ""
        if key.isdigit() and previous.isdigit() and int(key) == int(previous) + 1:
            runs[-1].append(key)
        else:
            runs.append([key])
    names = [f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(run) for run in runs]
    return ", ".join(names)


STYLES = {
    "start": {"shape": "circle", "style": "filled", "fillcolor": "#1f8f4e", "fontcolor": "white"},
    "menu": {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#dbe9f6"},
    "section": {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff"},
    "said": {"shape": "note", "style": "filled", "fillcolor": "#fdf6e3"},
    "dial": {"shape": "box", "style": "filled", "fillcolor": "#fde2c8"},
    "end": {"shape": "doublecircle", "style": "filled", "fillcolor": "#c0392b", "fontcolor": "white"},
}


def to_dot(picture: Picture, title: str) -> graphviz.Digraph:
    """Lay the picture out as a Graphviz graph: sections and menus grouped, texts as tooltips."""
    attributes = {"rankdir": "LR", "label": title, "labelloc": "t", "fontname": FONT, "compound": "true"}
    dot = graphviz.Digraph("line", graph_attr=attributes)
    dot.attr("node", fontname=FONT, fontsize="11")
    dot.attr("edge", fontname=FONT, fontsize="10", color="#5c6b7a")
    groups = {"section": ("cluster_sections", "Emner fra folderen"), "menu": ("cluster_menus", "Menuerne")}
    for kind, (name, label) in groups.items():
        with dot.subgraph(name=name) as group:
            group.attr(label=label, style="rounded,dashed", color="#9aa8b6", fontname=FONT)
            for node in picture.nodes.values():
                if node.kind == kind:
                    group.node(node.id, node.label, tooltip=node.tooltip, **STYLES[node.kind])
    for node in picture.nodes.values():
        if node.kind not in groups:
            dot.node(node.id, node.label, tooltip=node.tooltip or node.label, **STYLES[node.kind])
    first_section = next(node.id for node in picture.nodes.values() if node.kind == "section")
    clusters = {MENUS: ("main", "cluster_menus"), SAME_SECTION: (first_section, "cluster_sections")}
    steps = _steps_from_start(picture, {name: node for name, (node, _) in clusters.items()})
    for (source, target), labels in picture.edges.items():
        tail, ltail = clusters.get(source, (source, ""))
        head, lhead = clusters.get(target, (target, ""))
        extra = {"ltail": ltail, "lhead": lhead}
        # Edges back to a menu must not push the layout: the picture reads left to right as a call goes on.
        if (head in ("main", "topic") and steps[tail] >= steps["main"]) or tail == "topic":
            extra |= {"constraint": "false", "style": "dashed"}
        dot.edge(tail, head, label="\n".join(labels), **{k: v for k, v in extra.items() if v})
    return dot


def _steps_from_start(picture: Picture, aliases: dict[str, str]) -> dict[str, int]:
    """Return how many edges each node is from the start of the call (breadth first)."""
    steps = {"start": 0}
    queue = ["start"]
    while queue:
        node = queue.pop(0)
        for source, target in picture.edges:
            head = aliases.get(target, target)
            if aliases.get(source, source) == node and head not in steps:
                steps[head] = steps[node] + 1
                queue.append(head)
    return steps


def draw(content: Content, max_tries: int) -> graphviz.Digraph:
    """Return the whole line as a Graphviz graph."""
    return to_dot(
        Explorer(content, max_tries).explore(),
        "Rodblokade-linjen: tasterne og hvor de fører hen (stiplet: tilbage til en menu)",
    )


def rendered(content: Content, max_tries: int, fmt: str) -> bytes:
    """Render the line with Graphviz's dot as `fmt` (svg or png)."""
    data: bytes = draw(content, max_tries).pipe(format=fmt)
    return data


# What each --format writes, and the file suffix that goes with it.
SUFFIXES = {"svg": ".svg", "png": ".png", "dot": ".dot"}


@click.command("graph", context_settings={"help_option_names": ["-h", "--help"]})
@CONTENT_OPTION
@LINE_OPTION
@click.option(
    "--max-tries",
    type=click.IntRange(1, 10),
    metavar="ANTAL",
    envvar="IVR_MAX_TRIES",
    default=next(setting.default for setting in settings.SETTINGS if setting.name == "MAX_TRIES"),
    show_default=True,
    help="Mislykkede forsøg i træk før farvel (standard: IVR_MAX_TRIES, ellers linjens standard).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(SUFFIXES)),
    help="svg, png eller dot (standard: efter endelsen på filen i --out, ellers svg).",
)
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Skriv hertil i stedet for til stdout.",
)
def graph_command(
    content_path: Path | None, line_id: str | None, max_tries: int, fmt: str | None, out: Path | None
) -> None:
    """Tegn menuen ud fra indholdsfilen: hver tast, hvert afsnit, omstillingen og vejene ved fejl."""
    fmt = fmt or _format_for(out)
    if out is not None and out.suffix.lower() != SUFFIXES[fmt]:
        raise click.BadParameter(
            f"{out.name} does not end in {SUFFIXES[fmt]}, the suffix of --format {fmt}", param_hint="'-o'"
        )
    content = configured_content(content_path, line_id)
    if fmt == "dot":
        data = str(draw(content, max_tries).source).encode("utf-8")
    else:
        try:
            data = rendered(content, max_tries, fmt)
        except graphviz.ExecutableNotFound:
            raise click.ClickException(
                "Graphviz's dot is not installed (apt-get install graphviz); --format dot still works"
            ) from None
    if out is None:
        click.get_binary_stream("stdout").write(data)
    else:
        out.write_bytes(data)
        click.echo(f"wrote {out}", err=True)


def _format_for(out: Path | None) -> str:
    """Choose the format from the output file's suffix; refuse one the command cannot write."""
    if out is None:
        return "svg"
    for fmt, suffix in SUFFIXES.items():
        if out.suffix.lower() == suffix:
            return fmt
    raise click.BadParameter(
        f"{out.name}: write .svg, .png or .dot (the suffix chooses the format)", param_hint="'-o'"
    )
