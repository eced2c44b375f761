"""The `faelles` command: set up, inspect and look after a Fælles store."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from faelles.demo_pin import DEMO_PID_FILE, demo_pin_file, read_demo_pin, save_demo_pin
from faelles.logs import configure_logging, log_file_beside, stop_logging
from shared import demo as demo_module
from shared import suppression
from shared.clock import utcnow
from shared.db import (
    StoreMissing, backup_to, db_path_from_env, existing_store, open_db, sqlite_version,
)
from shared.erasures import save_ledger_file
from shared.errors import FaellesError
from shared.exports import EXPORT_KINDS, csv_text, export_table, save_private, xlsx_bytes
from shared.i18n import available_locales, best_locale, operator_locale, translator
from shared.phones import normalise_phone
from shared.retention import retention_days
from shared.services import operator
from shared.settings import load_settings

log = logging.getLogger("faelles")


def _(message: str) -> str:
    return translator(operator_locale()).gettext(message)


def kiosk_locale() -> str:
    """Return the kiosk's first language: FAELLES_LOCALE, else Danish (never the OS's)."""
    return best_locale(os.environ.get("FAELLES_LOCALE"))


def open_store():
    """Open the configured store, migrating it, and log the SQLite it runs on."""
    path = Path(db_path_from_env()).resolve()
    db = open_db(path)
    log.info("database %s on SQLite %s", path, sqlite_version(db))
    return db


def require_store(*, check_keys: bool = False) -> Path:
    """Return the store a service is to use, or stop where it would make an empty one.

    check_keys: also stop when the suppression key is no key, or was changed so
    that someone who texted STOP would be forgotten (the gateway and the worker).
    """
    try:
        store = existing_store(db_path_from_env())
        if check_keys:
            with open_db(store) as db:
                suppression.check_keys(db, now=utcnow())
        return store
    except (StoreMissing, suppression.SuppressionKeyProblem) as exc:
        raise click.ClickException(str(exc)) from exc


def print_summary(db) -> None:
    """Print what the store holds, one line per kind."""
    labels = {
        "communities": _("Communities"), "towns": _("Towns"), "contacts": _("Contacts"),
        "members": _("Memberships"), "offers": _("Offers"),
        "pending_offers": _("Offers waiting for review"), "needs": _("Needs"),
        "feedback": _("Feedback"),
        "coordinators": _("Coordinators"), "outbox": _("SMS waiting to be sent"),
    }
    for key, count in demo_module.summarise(db).items():
        click.echo(f"  {labels[key]:<28} {count:>5}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Fælles: SMS and kiosk engagement for a municipality."""
    configure_logging(verbose)
    ctx.call_on_close(stop_logging)


def log_to_file() -> None:
    """Log to faelles.log beside the database from now on: a TUI is about to draw."""
    verbose = click.get_current_context().find_root().params["verbose"]
    configure_logging(verbose, log_file_beside(db_path_from_env()))


@main.command()
@click.option("--demo", is_flag=True, help="Also load the demo communities, people and items.")
def init(demo: bool) -> None:
    """Create the database (or bring its schema up to date)."""
    with open_store() as db:
        try:
            suppression.check_keys(db, now=utcnow())
        except suppression.SuppressionKeyProblem as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Database ready: {path}").format(path=db_path_from_env()))
        if demo:
            load_and_report_demo(db)
        print_summary(db)


def load_and_report_demo(db, pin_file: Path | None = None) -> str | None:
    """Load the demo data and print the coordinator's new PIN; return the PIN if known.

    With pin_file the new PIN is kept there, and read back when the demo was loaded before.
    """
    name = demo_module.demo_data.DEMO_COORDINATOR
    pin = demo_module.load_demo(db, now=utcnow())
    if pin is None:
        click.echo(_("The demo data is already loaded."))
        kept = read_demo_pin(pin_file) if pin_file else None
        return kept if kept and demo_module.demo_pin_works(db, kept) else None
    if pin_file is None:
        click.echo(_("Demo data loaded. Coordinator “{name}” has PIN {pin} "
                     "(shown only this once).").format(name=name, pin=pin))
        return pin
    save_demo_pin(pin_file, pin)
    click.echo(_("Demo data loaded. Coordinator “{name}” has PIN {pin}; it is kept in {path} "
                 "and shown at the kiosk's coordinator login.").format(name=name, pin=pin,
                                                                        path=pin_file))
    return pin


def remind_demo_pin(pin: str | None, pin_file: Path) -> None:
    """Print the demo coordinator's PIN again, or how to get a coordinator without it."""
    if pin:
        click.echo(_("Demo coordinator “{name}”: PIN {pin} (kept in {path}).").format(
            name=demo_module.demo_data.DEMO_COORDINATOR, pin=pin, path=pin_file))
    else:
        click.echo(_("No demo PIN is kept in {path}. Add a coordinator of your own: "
                     "faelles coordinator add NAME").format(path=pin_file))


@main.command()
@click.option("--port", default=5000, show_default=True, help="Port for the SMS gateway.")
@click.option("--location", default="Kerteminde Bibliotek", show_default=True,
              help="Where the demo kiosk stands.")
@click.option("--phone", is_flag=True, help="Open the dev phone instead of the kiosk.")
@click.option("--phone-number", default="+4520110000", show_default=True,
              help="The number the dev phone texts from.")
@click.option("--api-port", default=5001, show_default=True,
              help="With --phone: the port of the phone's Messages API, which the worker "
                   "sends through (a free one if it is taken).")
def demo(port: int, location: str, phone: bool, phone_number: str, api_port: int) -> None:
    """Create the demo database, start the gateway and worker, and open the kiosk."""
    from faelles.background import start_services

    if not phone:
        log_to_file()
    store = Path(db_path_from_env()).resolve()
    (store.parent / DEMO_PID_FILE).write_text(f"{os.getpid()}\n")
    pin_file = demo_pin_file(store)
    with open_store() as db:
        pin = load_and_report_demo(db, pin_file)
        print_summary(db)
    if phone:
        demo_with_phone(port, store.parent, phone_number, api_port)
    else:
        with start_services(port=port, log_dir=store.parent) as services:
            click.echo(_("SMS gateway on {url} and outbox worker started (console transport); "
                         "logs in {logs}.").format(url=services.url, logs=services.log_dir))
            from kiosk import make_kiosk

            settings = load_settings()
            make_kiosk(settings.db_path, location=location, locale=kiosk_locale(),
                       settings=settings, demo_pin=pin).run()
    (store.parent / DEMO_PID_FILE).unlink(missing_ok=True)
    click.echo(_("Gateway and worker stopped."))
    if not phone:
        remind_demo_pin(pin, pin_file)


@main.command()
@click.argument("kind", type=click.Choice(EXPORT_KINDS))
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file, readable by you only, instead of printing. "
                   "XLSX needs it unless standard output goes to a file or a pipe.")
def export(kind: str, fmt: str, output: Path | None) -> None:
    """Print offers, feedback, communities, members or messages, or save them to a file."""
    with open_store() as db:
        fields, rows = export_table(db, kind)
    if fmt == "json":  # data, not a spreadsheet: every value exactly as stored
        data = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":  # comma-separated for scripts; cells a spreadsheet would run neutralised
        data = csv_text(fields, rows)
    else:
        data = xlsx_bytes(fields, rows, title=kind)
    if output is not None:
        try:
            save_private(output, data)
        except OSError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(_("Saved {path}").format(path=output), err=True)
    elif isinstance(data, bytes):
        stream = sys.stdout.buffer
        if stream.isatty():
            raise click.UsageError(_("An XLSX file is not for the screen: "
                                     "give --output FILE, or send the output to a file."))
        stream.write(data)
        stream.flush()
    else:
        click.echo(data, nl=False)


@main.command()
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]),
              help="The first day, YYYY-MM-DD (Copenhagen time); give --to too.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]),
              help="The last day, included.")
@click.option("--language", default="da", show_default=True,
              type=click.Choice(available_locales()), help="The report's language.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.pdf, or FILE.html for one self-contained page.")
def report(first, last, language: str, output: Path) -> None:
    """Write the report for the council and coordinators: last month, or --from to --to."""
    from shared.printing import PdfUnavailable
    from shared.report_periods import Period, last_full_month
    from shared.services.publishing import report_file

    if output.suffix.lower() not in (".pdf", ".html"):
        raise click.UsageError(_("The report is a .pdf or an .html file."))
    if (first is None) != (last is None):
        raise click.UsageError(_("Give both --from and --to, or neither for last month."))
    now = utcnow()
    try:
        period = Period(first.date(), last.date()) if first else last_full_month(now)
    except ValueError as exc:
        raise click.UsageError(_("--to is before --from.")) from exc
    try:
        with open_store() as db:
            data = report_file(db, period, language=language, now=now,
                               as_pdf=output.suffix.lower() == ".pdf")
    except PdfUnavailable as exc:
        raise click.ClickException(_(str(exc))) from exc
    write_file(output, data)


@main.command()
@click.argument("code", required=False)
@click.option("--language", "languages", multiple=True, default=("da",), show_default=True,
              type=click.Choice(available_locales()),
              help="A language on the poster; give it twice for two.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF to write.")
def poster(code: str | None, languages: tuple[str, ...], output: Path) -> None:
    """Write an A4 poster (PDF) for a community, or for Fælles without a CODE."""
    from shared.errors import NotFound
    from shared.printing import PdfUnavailable
    from shared.services.publishing import PosterRefused, poster_file

    languages = tuple(dict.fromkeys(languages))
    if len(languages) > 2:
        raise click.UsageError(_("A poster has one or two languages."))
    try:
        with open_store() as db:
            data = poster_file(db, code, languages, number=load_settings().sms_number,
                               now=utcnow())
    except PosterRefused as exc:
        raise click.ClickException(_(exc.message).format(**exc.values)) from exc
    except PdfUnavailable as exc:
        raise click.ClickException(_(str(exc))) from exc
    except NotFound as exc:
        raise click.ClickException(_("There is no community with the code {code}.").format(
            code=code)) from exc
    write_file(output, data)


def write_file(output: Path, data: str | bytes) -> None:
    """Write a file for the operator, replacing any there, and say where."""
    try:
        save_private(output, data)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Saved {path}").format(path=output), err=True)


@main.group()
def coordinator() -> None:
    """Manage coordinators."""


def read_pin_twice() -> tuple[str, str]:
    """Ask for the PIN twice, hidden; from standard input when it is not a terminal."""
    if not sys.stdin.isatty():
        lines = sys.stdin.read().splitlines() + ["", ""]
        return lines[0].strip(), lines[1].strip()
    first = click.prompt(_("PIN (4-8 digits)"), hide_input=True)
    second = click.prompt(_("PIN again"), hide_input=True)
    return first, second


@coordinator.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["coordinator", "admin"]), default="coordinator",
              show_default=True, help="What the coordinator may do.")
def coordinator_add(name: str, role: str) -> None:
    """Create a coordinator; asks for the PIN twice."""
    first, second = read_pin_twice()
    if first != second:
        raise click.ClickException(_("The two PINs differ. Nothing was saved."))
    try:
        with open_store() as db:
            operator.create_coordinator(db, name, first, now=utcnow(), role=role)
    except FaellesError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Coordinator {name} created.").format(name=name))


@main.command()
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase(phone: str, yes: bool) -> None:
    """Erase a contact and everything linked to them."""
    if not yes:
        click.confirm(_("Erase {phone} and all their offers, feedback, memberships and "
                        "messages?").format(phone=phone), abort=True)
    try:
        with open_store() as db:
            removed = operator.erase(db, phone, now=utcnow())
    except FaellesError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(_("Erased: {counts}").format(
        counts=", ".join(f"{table} {n}" for table, n in removed.items())))


@main.command()
def purge() -> None:
    """Delete finished records older than FAELLES_RETENTION_DAYS (default 365)."""
    days = retention_days()
    with open_store() as db:
        removed = operator.purge_old(db, now=utcnow(), days=days)
    click.echo(_("Removed what was older than {days} days: {counts}").format(
        days=days, counts=", ".join(f"{table} {n}" for table, n in removed.items())))


def warn(text: str) -> None:
    """Print a warning the operator must not miss, on standard error."""
    click.secho(f"WARNING: {text}", err=True, fg="red", bold=True)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
def backup(path: str) -> None:
    """Copy the database to PATH, safely while others write; update the erasure ledger."""
    with open_store() as db:
        backup_to(db, path)
        click.echo(_("Backup written to {path}").format(path=path))
        try:
            ledger, size = save_ledger_file(db)
        except OSError as exc:
            warn(f"the erasure ledger beside the backups could not be written ({exc}). A "
                 f"restore would bring back whoever was erased since this backup.")
            return
    click.echo(_("Erasures recorded: {count}, kept in {path}").format(count=size, path=ledger))


@main.command()
@click.argument("backup_file", metavar="BACKUP",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore(backup_file: Path, yes: bool) -> None:
    """Put a backup in the store's place, then erase again whoever was erased since.

    BACKUP is a `faelles backup` copy or a file `litestream restore` wrote. The
    restore refuses while another process has the store open: stop the
    services and Litestream first, with

    \b
      sudo systemctl stop faelles.target litestream faelles-backup.timer

    It migrates the backup and replays the erasure ledger:
    backups/erasures.jsonl beside the store, erasures.jsonl beside BACKUP, the
    store being replaced and the backup's own. Then run `litestream reset` on
    the store and start the services again.
    """
    from shared.services.restore import Restore

    try:
        store = existing_store(db_path_from_env())
        with Restore(backup_file, store) as job:
            for text in job.warnings:
                warn(text)
            if not yes:
                click.confirm(_("Put {backup} (newest record {newest}) in place of the store "
                                "{store}? What was written to the store since is lost, and "
                                "whoever was erased since is erased again.").format(
                    backup=backup_file, newest=job.newest or "-", store=store), abort=True)
            done = job.run(now=utcnow())
    except FaellesError as exc:
        raise click.ClickException(str(exc)) from exc
    for text in done.warnings:
        warn(text)
    click.echo(_("Restored {backup} into {store}.").format(backup=backup_file, store=store))
    if done.migrations:
        click.echo(_("Migrations applied: {names}").format(names=", ".join(done.migrations)))
    click.echo(_("Erased again: {counts}").format(
        counts=", ".join(f"{what} {n}" for what, n in done.erased_again.items())))
    if done.ledger_file is not None:
        click.echo(_("Erasures recorded: {count}, kept in {path}").format(
            count=done.ledger_size, path=done.ledger_file))
    click.echo(_("Before starting the services, let Litestream start afresh from this store: "
                 "litestream reset."))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the SMS gateway (development server; use gunicorn in production)."""
    from sms_gateway import create_app

    require_store(check_keys=True)
    create_app(load_settings()).run(host=host, port=port, threaded=True)


@main.command()
def worker() -> None:
    """Send queued SMS from the outbox until stopped (SIGTERM or Ctrl-C)."""
    from sms_gateway.worker import main as run

    require_store(check_keys=True)
    sys.exit(run(load_settings()))


@main.command()
@click.option("--location", default=None, help="Where this kiosk stands.")
@click.option("--web", is_flag=True, help="Serve the kiosk in a browser.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for --web.")
@click.option("--port", default=8000, show_default=True, help="Port for --web.")
@click.option("--max-sessions", type=click.IntRange(min=1), default=None,
              help="Most browser pages served at once with --web "
                   "[default: FAELLES_KIOSK_MAX_SESSIONS, else 8].")
@click.option("--spare/--no-spare", default=True, show_default=True,
              help="With --web, keep one kiosk started for the next page, so it opens "
                   "on Home at once.")
@click.option("--coordinator", "open_coordinator", is_flag=True,
              help="Open the coordinator PIN dialog directly.")
@click.option("--speech", is_flag=True, envvar="FAELLES_SPEECH",
              help="Read the screens aloud from the start (espeak-ng); visitors can "
                   "switch it off and on with F3.")
def kiosk(location, web, host, port, max_sessions, spare, open_coordinator, speech) -> None:
    """Start the kiosk in this terminal (or serve it to a browser with --web)."""
    store = require_store()
    if web:
        from kiosk.web import make_server

        if speech:  # each browser's kiosk process inherits the environment
            os.environ["FAELLES_SPEECH"] = "1"
        make_server(location, host, port, locale=kiosk_locale(),
                    max_sessions=max_sessions or load_settings().kiosk_max_sessions,
                    spare=spare).serve()
        return
    log_to_file()
    from kiosk import make_kiosk
    from kiosk.page_speech import speaker_from_environment

    settings = load_settings()
    log.info("kiosk at %s on %s", location or "-", store)
    # Under --web the server starts this for a page, and says where the page's sound goes.
    make_kiosk(settings.db_path, location=location, locale=kiosk_locale(),
               settings=settings, open_coordinator=open_coordinator, speech=speech,
               speaker=speaker_from_environment()).run()


def demo_with_phone(port: int, log_dir: Path, number: str, api_port: int) -> None:
    """Run the gateway, and the worker sending through the dev phone's API, with the phone in front."""
    # Everything the worker sends (approvals, questions, codes, broadcasts) then
    # arrives on the phone as it would on a real one, and its delivery reports
    # go back to the gateway.
    from faelles.background import start_services
    from sms_gateway.dev_phone import PhoneScreen, open_phone_api, phone_loop, phone_number

    settings = load_settings()
    screen, number = PhoneScreen(sys.stdout), phone_number(number)
    try:
        api = open_phone_api(screen, number, settings, port=api_port)
    except OSError:  # the port is taken: any free one will do, the worker is told which
        api = open_phone_api(screen, number, settings, port=0)
    try:
        with start_services(port=port, log_dir=log_dir, twilio_api_url=api.url) as services:
            click.echo(_("SMS gateway on {url}; the outbox worker sends through the phone's "
                         "Messages API on {api}; logs in {logs}.").format(
                url=services.url, api=api.url, logs=services.log_dir))
            click.echo(_("The dev phone: type a text, e.g. HJÆLP. End with /quit or Ctrl-D."))
            phone_loop(screen, number, f"{services.url}/sms", settings, stdin=sys.stdin)
    finally:
        api.stop()


@main.command()
@click.argument("number")
@click.option("--url", default=None,
              help="The gateway's webhook URL  [default: http://127.0.0.1:5000/sms, or "
                   "/gatewayapi/sms with --provider gatewayapi]")
@click.option("--api-host", default="127.0.0.1", show_default=True,
              help="Address of the phone's Messages API (Twilio's or GatewayAPI's).")
@click.option("--api-port", default=5001, show_default=True,
              help="Port of that API; point FAELLES_TWILIO_API_URL (or FAELLES_GATEWAYAPI_URL) "
                   "at it. 0 picks a free one.")
@click.option("--provider", type=click.Choice(["twilio", "gatewayapi"]), default=None,
              help="Whose webhooks and API the phone speaks  [default: FAELLES_SMS_PROVIDER, "
                   "else twilio]")
def phone(number: str, url: str | None, api_host: str, api_port: int,
          provider: str | None) -> None:
    """Text the gateway from a pretend phone in this terminal."""
    from sms_gateway.dev_phone import run_phone

    try:
        e164 = normalise_phone(number)
    except FaellesError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = load_settings()
    provider = provider or settings.provider
    url = url or ("http://127.0.0.1:5000/gatewayapi/sms" if provider == "gatewayapi"
                  else "http://127.0.0.1:5000/sms")
    sys.exit(run_phone(e164, url, api_host, api_port, settings,
                       stdin=sys.stdin, stdout=sys.stdout, provider=provider))


if __name__ == "__main__":
    main()
