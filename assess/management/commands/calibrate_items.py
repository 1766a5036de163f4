from django.core.management.base import BaseCommand

from assess.calibration.services import item_calibration_run
from quizzes.models import ExposureParameters


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
            f"{calibration.iterations} iterations; cut points junior {calibration.junior_cut:.2f}, "
            f"mid {calibration.mid_cut:.2f}, "
            f"senior {calibration.senior_cut:.2f}"
        )
        control = ExposureParameters.objects.filter(calibration_id=calibration.pk).first()
        if control is None:
            self.stdout.write("no exposure control (switched off, or too few adaptive questions)")
            return
        held = sum(k < 1 for k in control.k.values())
        self.stdout.write(
            f"exposure control: r_max {control.target:g}, {held} of {len(control.k)} "
            f"adaptive questions held back; simulated max exposure "
            f"{control.simulated_max_exposure:.1%} "
            f"({'converged' if control.converged else 'NOT converged, so not used,'} after "
            f"{control.iterations} iterations)"
        )
