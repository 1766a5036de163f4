"""The platform's refusals: a request that cannot be honoured, in words for the person who
made it, with the HTTP status that says so.

`UserError` is the root of every layer's family (quizzes here; in `assess` the attempt's,
recruiting's, review's, privacy's, strict input's and the API's). It lives in `quizzes`
because that is the lowest layer that refuses a person's request (the grader's engine
reports verdicts, never refusals). A view answers any of them the same way: the message,
with `status` (and `Retry-After` when `retry_after` is set); the API answers them in
`assess.api.errors.api_exception_handler`, in its one error envelope."""

from __future__ import annotations


class UserError(Exception):
    """A request refused; `message` is for the person who made it, `status` is the HTTP
    status to answer, `fields` names the fields at fault (field -> messages) when known, and
    `retry_after` (seconds) says when a refusal for rate goes away."""

    status = 400

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields
        self.retry_after = retry_after


class ResponseInvalid(UserError):
    """A response that cannot be read for its question: the wrong shape for its kind, an
    unknown choice, not a number, over the size limit. The one invalid-response error, from
    the stored shape (`responses.response_clean`) to scoring (`questions.score_response`)
    and the attempt's autosave."""
