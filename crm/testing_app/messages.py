"""The projects' notifications, registered as a module registers its message kinds (this app is untranslated)."""

from crm.notifications.messages import MessageKind

NEW_MILESTONE = MessageKind("testing_app.new_milestone",
                            title=lambda params: f"New milestone on {params['project']}: {params['milestone']}")
MILESTONE_DUE = MessageKind("testing_app.milestone_due", title=lambda params: f"Milestone due: {params['milestone']}")
# Text as somebody typed it (the suite's notifications that need no particular wording).
NOTE = MessageKind("testing_app.note", title=lambda params: params["title"], body=lambda params: params.get("body", ""))
