from django.urls import path

from students.views import agreements, collections, handouts

app_name = "students"
urlpatterns = [
    # hand-out and collection scan screens
    path("hand-out/", handouts.handout_scan, name="handout_scan"),
    path("collect/", collections.collect_scan, name="collect_scan"),
    # the signed record of a hand-out
    path("hand-outs/<int:handout_id>/agreement/", handouts.handout_agreement, name="handout_agreement"),
    path("hand-outs/<int:handout_id>/signature.png", handouts.handout_signature, name="handout_signature"),
    # the agreement's versions
    path("agreements/", agreements.agreement_list, name="agreement_list"),
]
