"""The library's pages under /org/<slug>/library/: thin views over `services` and
`selectors`. Every page goes through `org_view(BUILD)`; writing needs an author
(`may_author`), and every item is looked up within the URL's organization (a 404 else)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assess.orgs.access import BUILD, MANAGE, org_view
from assess.orgs.models import Organization
from quizzes.models import Kind, QuestionVersion
from quizzes.questions import candidate_view, correct_answer_text

from . import services
from .authoring import STARTERS, Checked, check_source
from .forms import ImportForm, NewTopicForm, PolicyForm, SourceForm, TopicForm
from .question_form import FORM_KINDS, QuestionForm, form_initial
from .selectors import (
    item_statistics,
    item_versions,
    library_export,
    library_item,
    library_items,
)
from .topics import own_topics, topic_create, topic_delete, topic_update, topics_in_use

PREVIEW_SEED = 0
NOT_AN_AUTHOR = "Your admin has not allowed you to write questions."


def author_view(view):
    """`org_view(BUILD)` and an author of the organization's library (403 else)."""

    @org_view(BUILD)
    @wraps(view)
    def wrapper(request: HttpRequest, org: Organization, role: str, *args, **kwargs):
        if not services.may_author(request.user, org, role):
            raise PermissionDenied(NOT_AN_AUTHOR)
        return view(request, org, role, *args, **kwargs)

    return wrapper


def _preview(checked: Checked) -> dict | None:
    """The working copy as a candidate will see it, and its key for the author."""
    if not checked.ok:
        return None
    version = QuestionVersion(content=checked.question.content)
    return {
        "view": candidate_view(version, PREVIEW_SEED),
        "content": version.content,
        "key": correct_answer_text(version, PREVIEW_SEED),
    }


def _editor(
    request, org, role, *, form, question_form=None, item=None, checked=None, errors=(), status=200
):
    """The editor page: `question_form` (the form) or `form` (the YAML), the check's
    errors and advice, and the preview."""
    return render(
        request,
        "assess/library/item.html",
        {
            "org": org,
            "role": role,
            "item": item,
            "form": form,
            "question_form": question_form,
            "checked": checked,
            "errors": list(errors) or (checked.errors if checked else []),
            "preview": _preview(checked) if checked else None,
            "may_author": services.may_author(request.user, org, role),
            "review_required": services.library_policy(org).review_required,
            "versions": item_versions(item) if item else [],
            "statistics": item_statistics(item) if item else [],
        },
        status=status,
    )


@require_GET
@org_view(BUILD)
def library(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    return render(
        request,
        "assess/library/list.html",
        {
            "org": org,
            "role": role,
            "items": library_items(org),
            "kinds": [(k, label) for k, label in Kind.choices if k in STARTERS],
            "may_author": services.may_author(request.user, org, role),
            "import_form": ImportForm(),
        },
    )


NOT_IN_FORM = (
    "The form cannot show all of this question (a value drawn from a list, an answer given "
    "as a quantity, a coding problem, or more rows than it has): go on in YAML."
)


def _question_form(org, item=None, **kwargs) -> QuestionForm:
    return QuestionForm(organization=org, fixed_slug=item.slug if item else None, **kwargs)


@require_http_methods(["GET", "POST"])
@author_view
def item_new(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    if request.method == "POST":
        return _write(request, org, role)
    kind = request.GET.get("kind", "")
    if request.GET.get("editor") != "yaml" and (kind in FORM_KINDS or not kind):
        # A blank form: nothing to check yet.
        blank = {"kind": kind or Kind.SINGLE_CHOICE, "level": "junior"}
        return _editor(
            request, org, role, form=None, question_form=_question_form(org, initial=blank)
        )
    starter = STARTERS.get(kind, STARTERS["single_choice"])
    form = SourceForm(initial={"source": starter})
    return _editor(request, org, role, form=form, checked=check_source(org.pk, starter))


def _saved(checked: Checked, done: str) -> str:
    if services.building(checked):
        return (
            done
            + " Its tests are still being built in the sandbox: check it again before publishing."
        )
    return done


@require_http_methods(["GET", "POST"])
@org_view(BUILD)
def item_page(request: HttpRequest, org: Organization, role: str, item_id: int) -> HttpResponse:
    item = library_item(org, item_id)
    if request.method == "POST":
        if not services.may_author(request.user, org, role):
            raise PermissionDenied(NOT_AN_AUTHOR)
        return _write(request, org, role, item)
    checked = check_source(org.pk, item.source, slug=item.slug)
    initial = form_initial(item.source) if request.GET.get("editor") != "yaml" else None
    if initial is not None and services.may_author(request.user, org, role):
        question_form = _question_form(org, item, initial=initial)
        return _editor(
            request, org, role, form=None, question_form=question_form, item=item, checked=checked
        )
    form = SourceForm(initial={"source": item.source})
    return _editor(request, org, role, form=form, item=item, checked=checked)


def _write(request, org, role, item=None) -> HttpResponse:
    """A POST of either editor (the YAML or the form): check and preview it, move it to the
    other editor, or save it as a draft (a new item, or `item`'s working copy)."""
    page = {"item": item, "form": None, "question_form": None}
    if request.POST.get("editor") == "form":
        page["question_form"] = question_form = _question_form(org, item, data=request.POST)
        valid = question_form.is_valid()
        source = question_form.source() if valid else None
        refusal = question_form.error_summary()
    else:
        page["form"] = form = SourceForm(request.POST)
        valid = form.is_valid()
        source = form.cleaned_data["source"] if valid else None
        refusal = form.errors.get("source", [])
    if not valid:
        return _editor(request, org, role, errors=refusal, status=400, **page)
    slug = item.slug if item else None
    checked = services.item_check(org.pk, source, slug=slug)
    if "as_yaml" in request.POST:
        page.update(form=SourceForm(initial={"source": source}), question_form=None)
    elif "as_form" in request.POST:
        initial = form_initial(source)
        if initial is None:
            return _editor(request, org, role, checked=checked, errors=[NOT_IN_FORM], **page)
        page.update(form=None, question_form=_question_form(org, item, initial=initial))
    if "save" not in request.POST:  # "Check and preview", or a change of editor
        return _editor(request, org, role, checked=checked, **page)
    try:
        if item is None:
            saved = services.item_create(org, request.user, source)
        else:
            saved = services.item_update(item, request.user, source)
    except services.LibraryError as exc:
        return _editor(
            request, org, role, checked=checked, errors=exc.errors, status=exc.status, **page
        )
    done = (
        "Draft saved." if item is None else "Draft saved: publish it to give it to new candidates."
    )
    messages.success(request, _saved(checked, done))
    return redirect("org:library_item", org_slug=org.slug, item_id=saved.pk)


def _item_action(action, done: str):
    """A POST that applies one service to one of the organization's items."""

    @require_POST
    @author_view
    def view(request: HttpRequest, org: Organization, role: str, item_id: int) -> HttpResponse:
        item = library_item(org, item_id)
        try:
            action(item, request.user)
        except services.LibraryError as exc:
            for error in exc.errors:
                messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect("org:library_item", org_slug=org.slug, item_id=item.pk)

    return view


item_submit = _item_action(services.item_submit, "Sent for review: another author publishes it.")
item_publish = _item_action(
    services.item_publish,
    "Published: new tests can take it; attempts keep the version they had.",
)
item_retire = _item_action(services.item_retire, "Retired: no new test takes it.")
item_restore = _item_action(services.item_restore, "Restored.")


@require_GET
@org_view(BUILD)
def export(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    response = HttpResponse(library_export(org), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{org.slug}-library.yaml"'
    return response


@require_POST
@author_view
def import_file(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("org:library", org_slug=org.slug)
    try:
        summary = services.library_import(org, request.user, form.cleaned_data["file"])
    except services.LibraryError as exc:
        messages.error(request, "Nothing was imported: " + "; ".join(exc.errors[:20]))
    else:
        messages.success(
            request,
            f"Imported as drafts: {len(summary.created)} new, {len(summary.updated)} updated.",
        )
    return redirect("org:library", org_slug=org.slug)


@require_http_methods(["GET", "POST"])
@org_view(MANAGE)
def settings(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    policy = services.library_policy(org)
    form = PolicyForm(
        request.POST or None,
        organization=org,
        initial={"review_required": policy.review_required, "authors": policy.authors.all()},
    )
    if request.method == "POST" and form.is_valid():
        services.policy_update(org, **form.cleaned_data)
        messages.success(request, "Library settings saved.")
        return redirect("org:library", org_slug=org.slug)
    return render(request, "assess/library/settings.html", {"org": org, "role": role, "form": form})


def _topics_page(request, org, role, *, form, edit_forms=None, status=200):
    in_use = topics_in_use(org)
    rows = [
        {
            "own": own,
            "used": in_use.get(own.slug, 0),
            "form": (edit_forms or {}).get(own.pk)
            or TopicForm(
                initial={"title": own.topic.title, "description": own.topic.description},
                prefix=f"t{own.pk}",
            ),
        }
        for own in own_topics(org)
    ]
    return render(
        request,
        "assess/library/topics.html",
        {"org": org, "role": role, "form": form, "rows": rows},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@author_view
def topics(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    """The organization's own topics, and a form to add one."""
    form = NewTopicForm(request.POST or None)
    if request.method == "GET":
        return _topics_page(request, org, role, form=form)
    if form.is_valid():
        try:
            topic_create(org, request.user, **form.cleaned_data)
        except services.LibraryError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, "Topic added: your questions may name it now.")
            return redirect("org:library_topics", org_slug=org.slug)
    return _topics_page(request, org, role, form=form, status=400)


@require_POST
@author_view
def topic_change(request: HttpRequest, org: Organization, role: str, topic_id: int) -> HttpResponse:
    """Rename one of the organization's topics, or delete it when no question names it."""
    own = get_object_or_404(own_topics(org), pk=topic_id)
    if request.POST.get("action") == "delete":
        try:
            topic_delete(own)
        except services.LibraryError as exc:
            for error in exc.errors:
                messages.error(request, error)
        else:
            messages.success(request, f"Topic {own.slug!r} deleted.")
        return redirect("org:library_topics", org_slug=org.slug)
    form = TopicForm(request.POST, prefix=f"t{own.pk}")
    if not form.is_valid():
        return _topics_page(
            request, org, role, form=NewTopicForm(), edit_forms={own.pk: form}, status=400
        )
    topic_update(own, **form.cleaned_data)
    messages.success(request, "Topic saved.")
    return redirect("org:library_topics", org_slug=org.slug)
