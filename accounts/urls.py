from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import audit_views, standing_views, views
from accounts.auth_forms import RateLimitedAuthenticationForm

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True, authentication_form=RateLimitedAuthenticationForm
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    # "Forgot your password?": a reset link to the account's own address (the file/console mail backend
    # offline); the same confirm view serves links an operator sends.
    path("reset/", views.PasswordResetRequestView.as_view(), name="password_reset"),
    path(
        "reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="accounts/password_reset_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("team/", views.team_members, name="team_members"),
    path("team/invite/", views.team_invite, name="team_invite"),
    path("team/invitations/<uuid:invitation_id>/resend/", views.team_invitation_resend, name="team_invitation_resend"),
    path("team/invitations/<uuid:invitation_id>/revoke/", views.team_invitation_revoke, name="team_invitation_revoke"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("team/leave/", views.team_leave, name="team_leave"),
    path("team/limits/", views.team_limits, name="team_limits"),
    path("team/output-label/", views.team_output_label, name="team_output_label"),
    path("team/members/<int:membership_id>/role/", views.team_member_role, name="team_member_role"),
    path("team/members/<int:membership_id>/cap/", views.team_member_cap, name="team_member_cap"),
    path("team/members/<int:membership_id>/remove/", views.team_member_remove, name="team_member_remove"),
    path("keys/", views.api_keys, name="api_keys"),
    path("keys/new/", views.api_key_create, name="api_key_create"),
    path("keys/kling-pair/new/", views.kling_pair_create, name="kling_pair_create"),
    path("keys/<uuid:key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("audit/", audit_views.audit_events, name="audit_events"),
    path("audit/verify/", audit_views.audit_verify, name="audit_verify"),
    path("audit/export.<str:fmt>", audit_views.audit_export, name="audit_export"),
    path("standing/", standing_views.my_standing, name="standing"),
    path("moderation/users/<int:user_id>/standing/", standing_views.moderator_user_standing, name="moderator_standing"),
    path("moderation/users/<int:user_id>/standing/adjust/", standing_views.moderator_adjust, name="moderator_standing_adjust"),
]
