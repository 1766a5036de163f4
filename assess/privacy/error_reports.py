"""Error reports (Django's 500 emails to ADMINS, the debug page) without personal data:
every POST parameter and every frame's local variables are hidden, since answers, code,
names and emails would be there. Log lines are redacted by assess.logredact."""

from django.views.debug import SafeExceptionReporterFilter


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {name: self.cleansed_substitute for name in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
