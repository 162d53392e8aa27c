"""The schema's revisions (ivr/migrations/): any database still in the field brought to the head, every row
kept, in SQLite and PostgreSQL; several nodes upgrading at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from ivr import db, migrations
from ivr.callbacks.desk import CallbackDesk, new_key
from ivr.line.events import SPEECH_ROUTE as SPEECH
from ivr.line.events import CallEvent
from ivr.line.flow import Asked
from ivr.stats.report import Period, build
from ivr.stats.store import Store, as_row
from tests.support import call_event, old_database, table_rows, todays_database

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CPH = ZoneInfo("Europe/Copenhagen")


def differences(url: str) -> list[object]:
    """What differs between the database's schema and the one ivr/db.py declares (nothing, when right)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(compare_metadata(MigrationContext.configure(connection), db.metadata))
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = db.create_engine(url)
    try:
        with engine.connect() as connection:
            return migrations.status(connection).revision
    finally:
        engine.dispose()


def columns(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    try:
        return [column["name"] for column in inspect(engine).get_columns(table)]
    finally:
        engine.dispose()


def test_the_revisions_make_the_schema_the_code_declares(empty_database_url: str) -> None:
    before, after = migrations.upgrade(empty_database_url)
    assert (before.revision, before.tables) == (None, False)
    assert after.revision == db.head() == revision(empty_database_url)
    assert differences(empty_database_url) == []


def test_a_new_file_is_made_at_the_head_as_the_revisions_make_it(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/new.sqlite"
    database = db.Database(url)
    database.open()
    database.dispose()
    assert revision(url) == db.head()
    assert differences(url) == []


def test_a_database_made_by_the_code_of_before_the_revisions_keeps_every_row(empty_database_url: str) -> None:
    made = todays_database(empty_database_url)
    kept = table_rows(empty_database_url, list(made))
    assert {name: len(rows) for name, rows in kept.items()} == {
        name: len(rows) for name, rows in made.items()
    }
    before, after = migrations.upgrade(empty_database_url)
    assert (before.revision, before.tables) == (None, True)
    assert after.revision == db.head()
    assert kept_columns(table_rows(empty_database_url, list(kept)), kept) == kept
    assert differences(empty_database_url) == []
    # A second upgrade (another node, the next deploy) finds nothing to do.
    assert migrations.upgrade(empty_database_url)[0].revision == db.head()
    assert kept_columns(table_rows(empty_database_url, list(kept)), kept) == kept
    # Revision 0006's columns of the callback list: not known for a request asked before it.
    [request] = table_rows(empty_database_url, ["callback_requests"])["callback_requests"]
    assert request[len(kept["callback_requests"][0]) :] == (None, None, None, None)


def test_an_old_sqlite_callback_list_never_gives_a_deleted_requests_id_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    made = todays_database(url)
    newest = max(row[0] for row in made["callback_requests"])
    # A request deleted before the upgrade: only the access log names it now.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO callback_access (at, who, action, request)"
                " VALUES (:at, 'system', 'deleted', :id)"
            ),
            {"at": T0.replace(tzinfo=None), "id": newest + 5},
        )
    engine.dispose()
    migrations.upgrade(url)
    assert differences(url) == []
    database = db.Database(url)
    try:
        desk = CallbackDesk(database, new_key(), b"hash-key", days=7)
        assert desk.ask("rodblokade", "+4520304050", T0) is Asked.NEW
        asked = desk.access_log()[-1]
    finally:
        database.dispose()
    assert asked[2] == "asked"
    assert asked[3] is not None
    assert asked[3] > newest + 5


def kept_columns(
    rows: dict[str, list[tuple[object, ...]]], old: dict[str, list[tuple[object, ...]]]
) -> dict[str, list[tuple[object, ...]]]:
    """Each table's rows cut to the columns it had before (a revision's new columns come last)."""
    return {
        name: [row[: len(old[name][0])] if old[name] else row for row in found]
        for name, found in rows.items()
    }


def two_lines() -> list[CallEvent]:
    """Three calls on rodblokade, one on knae, on Wednesday 25 November."""
    events = []
    for n, line in enumerate(["rodblokade", "rodblokade", "knae", "rodblokade"]):
        at = T0 + timedelta(minutes=10 * n)
        events += [
            call_event(f"{line}-{n}", at, "welcome", route="voice.welcome", line=line),
            call_event(f"{line}-{n}", at + timedelta(seconds=30), "section", menu=str(n + 1), line=line),
        ]
    return events


@pytest.mark.parametrize(
    ("rollups", "events_know_lines"),
    [(True, False), (False, False), (True, True)],
    ids=["with-rollups", "before-rollups", "only-rollups-old"],
)
def test_a_database_from_before_lines_is_upgraded_and_its_events_count_as_no_line(
    empty_database_url: str, rollups: bool, events_know_lines: bool
) -> None:
    url = empty_database_url
    old_database(url, [event._replace(line="") for event in two_lines()], rollups=rollups)
    if events_know_lines:  # only the roll-ups are old: they are counted anew from the events
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "ALTER TABLE call_events ADD COLUMN line VARCHAR(40) NOT NULL DEFAULT ''"
            )
        engine.dispose()
    assert ("line" in columns(url, "call_events")) is events_know_lines
    events = table_rows(url, ["call_events"])["call_events"]
    migrations.upgrade(url)
    assert differences(url) == []
    # Every event kept, each of the line "".
    assert [row[:7] for row in table_rows(url, ["call_events"])["call_events"]] == [row[:7] for row in events]
    store = Store(db.Database(url))
    try:
        store.add([as_row(call_event("new", T0 + timedelta(hours=1), "welcome", line="rodblokade"))])
        assert [row.line for row in store.rows()] == [""] * 8 + ["rodblokade"]
        period = Period(date(2026, 11, 25), date(2026, 11, 25), CPH)
        assert store.report(period, line="").calls == 4
        assert store.report(period, line="rodblokade").calls == 1
        assert store.report(period).calls == 5
        for line in (None, "", "rodblokade"):
            assert store.summary(period, line=line) == build(store.rows(line=line), period)
        assert store.lines() == ["", "rodblokade"]
        # Another upgrade later counts nothing twice.
        migrations.upgrade(url)
        assert store.report(period).calls == 5
    finally:
        store.dispose()


def spoken_calls(line: str = "") -> list[CallEvent]:
    """Two calls on Wednesday 25 November: a section said, then one pressed; a transfer said."""
    return [
        call_event("s1", T0, "welcome", route="voice.welcome", line=line),
        call_event("s1", T0 + timedelta(seconds=20), "section", menu="3", key="3", route=SPEECH, line=line),
        call_event("s1", T0 + timedelta(seconds=50), "section", menu="1", key="1", line=line),
        call_event("s2", T0 + timedelta(minutes=5), "welcome", route="voice.welcome", line=line),
        call_event("s2", T0 + timedelta(minutes=6), "transfer_open", key="0", route=SPEECH, line=line),
    ]


@pytest.mark.parametrize(
    "before",
    ["lines-with-rollups", "lines-before-rollups", "speech"],
    ids=["before-lines", "before-rollups", "before-speech"],
)
def test_a_database_from_before_speech_was_counted_reports_its_spoken_choices(
    empty_database_url: str, before: str
) -> None:
    url = empty_database_url
    if before == "speech":  # lines known, but the counts say nothing of speech
        migrations.upgrade(url)
        made = Store(db.Database(url))
        made.add([as_row(event) for event in spoken_calls()])
        with made.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE call_hours DROP COLUMN speech")
            connection.exec_driver_sql("DROP TABLE alembic_version")
        made.dispose()
    else:
        old_database(url, spoken_calls(), rollups=before == "lines-with-rollups")
    assert "speech" not in (columns(url, "call_hours") if before != "lines-before-rollups" else [])
    migrations.upgrade(url)
    assert differences(url) == []
    store = Store(db.Database(url))
    try:
        store.add([as_row(event) for event in spoken_calls("rodblokade")])
        period = Period(date(2026, 11, 25), date(2026, 11, 25), CPH)
        for line in (None, "", "rodblokade"):
            assert store.summary(period, line=line) == build(store.rows(line=line), period)
        old, new, together = (store.report(period, line=line) for line in ("", "rodblokade", None))
        assert old.choices == new.choices == {"section": (1, 1), "transfer_open": (1, 0)}
        assert together.choices_in_all == (4, 2)
    finally:
        store.dispose()


def test_nodes_upgrading_at_once_upgrade_once(empty_database_url: str) -> None:
    url = empty_database_url
    old_database(url, [event._replace(line="") for event in two_lines()])
    errors: list[BaseException] = []
    done: list[tuple[migrations.Status, migrations.Status]] = []

    def upgrade() -> None:
        try:
            done.append(migrations.upgrade(url))
        except BaseException as error:  # the assertion below names any failure
            errors.append(error)

    threads = [threading.Thread(target=upgrade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    # One upgraded from before the revisions; the others waited and found the head.
    assert sorted(str(before.revision) for before, _after in done) == sorted(["None", *[db.head()] * 3])
    assert differences(url) == []
    store = Store(db.Database(url))
    try:
        period = Period(None, None, CPH)
        assert store.summary(period, line="") == build(store.rows(), period)
        assert store.report(period).calls == 4
    finally:
        store.dispose()


def test_a_database_a_newer_version_upgraded_is_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(migrations.SchemaError, match="9999, which this version does not know"):
        migrations.upgrade(database_url)
    assert revision(database_url) == "9999"
