"""Index the final coding answers submitted before similarity across history existed."""

from django.core.management.base import BaseCommand

from assess.attempts.models import Answer, AttemptStatus
from assess.evidence.similarity import answer_fingerprint
from quizzes.models import Kind


class Command(BaseCommand):
    help = (
        "Fingerprint every submitted coding answer not yet in the similarity index "
        "(assess.evidence.similarity); new submissions are indexed as they come."
    )

    def handle(self, *args, **options):
        answers = (
            Answer.objects.filter(
                attempt__status=AttemptStatus.SUBMITTED,
                question_version__content__kind=Kind.CODING,
                fingerprinted__isnull=True,
            )
            .select_related("question_version", "attempt")
            .order_by("pk")
        )
        done = 0
        for answer in answers.iterator(chunk_size=500):
            answer_fingerprint(answer)
            done += 1
        self.stdout.write(f"Indexed {done} coding answer(s).")
