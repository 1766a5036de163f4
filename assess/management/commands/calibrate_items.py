from django.core.management.base import BaseCommand

from assess.calibration.services import item_calibration_run


class Command(BaseCommand):
    help = (
        "Fit a new version of the bank's item parameters (2PL, level priors) from every "
        "submitted attempt's scored answers; the Celery task assess.calibrate_items does the same."
    )

    def handle(self, *args, **options):
        calibration = item_calibration_run()
        moved = calibration.items.filter(responses__gt=0).count()
        self.stdout.write(
            f"{calibration}: {calibration.responses} scored answers, {moved} of "
            f"{calibration.items.count()} questions answered at least once; "
            f"{'converged' if calibration.converged else 'NOT converged'} after "
            f"{calibration.iterations} iterations; cut points mid {calibration.mid_cut:.2f}, "
            f"senior {calibration.senior_cut:.2f}"
        )
