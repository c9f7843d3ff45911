"""A vendor's browser, reduced to HTTP: cookies, the CSRF token and form posts to the portal."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

Files = Sequence[tuple[str, tuple[str, Any, str]]]


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def question_block(page: str, question_id: str) -> str:
    """The HTML of one question's block (up to the next question or the form's end)."""
    start = page.find(f'id="q-{question_id}"')
    assert start != -1, f"question {question_id} is not on the page"
    rest = page[start:]
    end = min(
        (
            i
            for i in (rest.find('<div class="question', 10), rest.find('<div class="actions"'))
            if i != -1
        ),
        default=len(rest),
    )
    return rest[:end]


def shown_questions(page: str) -> list[str]:
    return re.findall(r'data-question-id="([a-z0-9_]+)" data-type', page)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


class _FormValues(HTMLParser):
    """What a browser would send for the form with id `form_id`, buttons and files aside."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.values: list[tuple[str, str]] = []
        self.select: str | None = None
        self.select_value: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and "name" in a:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            elif kind not in ("file", "submit", "button"):
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select, self.select_value, self.first_option = a.get("name"), None, None
        elif tag == "option" and self.select is not None:
            if self.first_option is None:
                self.first_option = a.get("value", "")
            if "selected" in a:
                self.select_value = a.get("value", "")
        elif tag == "textarea":
            self.textarea, self.text = a.get("name"), ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            value = self.select_value if self.select_value is not None else self.first_option
            self.values.append((self.select, value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.values.append((self.textarea, self.text.removeprefix("\n")))
            self.textarea = None


def form_values(page: str, form_id: str = "answers") -> list[tuple[str, str]]:
    parser = _FormValues(form_id)
    parser.feed(page)
    return parser.values


class Vendor:
    """Holds the session cookie like a browser does; follows nothing by itself."""

    def __init__(self, app: object, base_url: str = "http://testserver") -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url=base_url,
            follow_redirects=False,
        )

    async def open(self, token: str) -> httpx.Response:
        response = await self.http.get(f"/v/{token}")
        assert response.status_code == 303, response.text
        return response

    async def get(self, path: str) -> httpx.Response:
        return await self.http.get(path)

    async def page(self, path: str) -> str:
        response = await self.http.get(path)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:500]}"
        return response.text

    async def csrf(self) -> str:
        return csrf_of(await self.page("/v/"))

    async def save(
        self,
        section: str,
        fields: dict[str, Any],
        *,
        files: Files = (),
        action: str = "save",
        shown: Sequence[str] | None = None,
        csrf: str | None = None,
    ) -> httpx.Response:
        """Post a section as the browser would: what the page holds, changed by `fields`.

        The token comes first, then the fields, then the files, in the page's order.
        """
        page = await self.page(f"/v/s/{section}")
        data: dict[str, Any] = {}
        for name, value in form_values(page):
            if isinstance(data.get(name), list):
                data[name].append(value)
            elif name in data:
                data[name] = [data[name], value]
            else:
                data[name] = value
        if csrf is not None:
            data["csrf_token"] = csrf
        if shown is not None:
            data["shown"] = ",".join(shown)
        data["action"] = action
        data.update(fields)
        data = {"csrf_token": data.pop("csrf_token", ""), **data}
        return await self.http.post(f"/v/s/{section}", data=data, files=list(files) or None)

    async def post(self, path: str, fields: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, data=fields)

    async def aclose(self) -> None:
        await self.http.aclose()


async def stream(chunks: Sequence[bytes], consumed: list[int]) -> AsyncIterator[bytes]:
    """Yield `chunks`, counting in `consumed` how many the reader asked for."""
    for chunk in chunks:
        consumed[0] += len(chunk)
        yield chunk


def stored_files(folder: Path) -> list[Path]:
    """Every file under the evidence folder, incoming/ included."""
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def fields_for(question: Any, value: Any) -> dict[str, Any]:
    """The form fields a person fills in to give `value` to `question` (files aside)."""
    from service.catalog.forms import QuestionType

    name = f"a.{question.id}"
    match question.type:
        case QuestionType.yes_no:
            return {name: "yes" if value else "no"}
        case QuestionType.multi_choice:
            return {name: list(value)}
        case QuestionType.rows:
            fields: dict[str, Any] = {f"r.{question.id}.count": str(len(value))}
            for slot, row in enumerate(value):
                for column in question.columns:
                    cell = row.get(column.id)
                    text = "" if cell is None else fields_for(column, cell)[f"a.{column.id}"]
                    fields[f"r.{question.id}.{slot}.{column.id}"] = text
            return fields
        case QuestionType.file:
            return {}
        case _:
            return {name: str(value)}


async def answer_all(vendor: Vendor, form: Any, answers: dict[str, Any]) -> None:
    """Answer every section through the portal, as far as `answers` goes.

    Questions that an answer brings up appear after a save, so a section is saved until no new
    question with an answer shows up.
    """
    for section in form.sections:
        done: set[str] = set()
        while True:
            page = await vendor.page(f"/v/s/{section.id}")
            ask = [
                q
                for q in section.questions
                if q.id in shown_questions(page) and q.id in answers and q.id not in done
            ]
            if not ask:
                break
            fields: dict[str, Any] = {}
            for question in ask:
                fields.update(fields_for(question, answers[question.id]))
                done.add(question.id)
            response = await vendor.save(section.id, fields)
            assert response.status_code == 303, response.text
