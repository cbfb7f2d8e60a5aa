from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun
        from django.contrib.auth.signals import user_logged_in

        from core import middleware, tasks

        # A new sign-in starts its idle clock now, so its first page does not rewrite the session.
        user_logged_in.connect(middleware.session_stamp_refreshed, dispatch_uid="session-stamp")

        # Changes made by a Celery task carry the task's name in their history (eager or not).
        task_prerun.connect(tasks.history_context_enter, weak=False, dispatch_uid="history-enter")
        task_postrun.connect(tasks.history_context_exit, weak=False, dispatch_uid="history-exit")
