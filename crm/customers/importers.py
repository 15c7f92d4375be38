"""Importing customers (with one optional contact per row) from CSV/XLSX: the registered ``Importer``.

Built for 100,000-row files against a million customers. The steps live in their own modules: cells are read
and checked in ``crm.customers.importing`` (``rows``, ``validation``: the models' own field validators, with
dictionaries, owners and tags read once per file), duplicates are looked up in chunks on indexed columns
(``duplicates``), and the write is the bulk service ``crm.customers.services.imports.import_customers``
(derived columns from the models' ``fill_derived()``, a create or update audit row per record).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.models import User
from crm.core.fieldperms import hidden_fields, readonly_fields
from crm.customers.importing import duplicates
from crm.customers.importing.rows import CUSTOMER_FIELDS, CustomerPlan, Lookups, RowPlan, owners_by_id
from crm.customers.importing.validation import number_problem, owner_problem, validate_row
from crm.customers.models import Contact, Customer
from crm.customers.services.imports import import_customers, import_steps, undo_import_step
from crm.imports import plans
from crm.imports.registry import (
    Analysis,
    Importer,
    ImportField,
    Progress,
    RowOutcome,
    SourceRow,
    WriteResult,
    WriteStep,
    register_importer,
)

# Version 4: RowPlan.as_json() with the row's customer ID and number; owners by name; marks by table label.
SAVED_VERSION = 4


class CustomerImporter(Importer):
    entity = "customers"
    label = gettext_lazy("Customers")
    module = "customers"
    list_url_name = "customers:list"
    fields = (
        ImportField(
            "name",
            gettext_lazy("Customer name"),
            required=True,
            aliases=(
                "客户名称",
                "客户名",
                "客户",
                "公司名称",
                "公司",
                "企业名称",
                "单位名称",
                "名称",
                "name",
                "customer",
                "customer name",
                "company",
                "company name",
            ),
        ),
        ImportField(
            "kind",
            gettext_lazy("Customer kind"),
            aliases=("客户类型", "类型", "客户性质", "kind", "type"),
            help_text=gettext_lazy("Company or individual (企业 / 个人)."),
        ),
        ImportField(
            "phone",
            gettext_lazy("Phone"),
            aliases=("电话", "公司电话", "联系电话", "座机", "固定电话", "phone", "telephone", "tel"),
        ),
        ImportField("phone_extension", gettext_lazy("Extension"), aliases=("分机", "分机号", "extension", "ext")),
        ImportField(
            "email",
            gettext_lazy("E-mail"),
            aliases=("邮箱", "电子邮件", "电子邮箱", "公司邮箱", "email", "e-mail", "mail"),
        ),
        ImportField(
            "industry",
            gettext_lazy("Industry"),
            aliases=("行业", "所属行业", "industry"),
            help_text=gettext_lazy("The code or the name of an industry in the dictionary."),
        ),
        ImportField("customer_type", gettext_lazy("Customer type"), aliases=("客户分类", "customer type")),
        ImportField("scale", gettext_lazy("Company size"), aliases=("规模", "公司规模", "人员规模", "size", "scale")),
        ImportField("credit_rating", gettext_lazy("Credit rating"),
                    aliases=("信用等级", "信用评级", "credit rating", "credit")),
        ImportField("city", gettext_lazy("City"), aliases=("城市", "所在城市", "所在地", "city")),
        ImportField("source", gettext_lazy("Source"), aliases=("来源", "客户来源", "source")),
        ImportField("level", gettext_lazy("Level"), aliases=("级别", "客户级别", "等级", "客户等级", "level")),
        ImportField("address", gettext_lazy("Address"), aliases=("地址", "公司地址", "详细地址", "address")),
        ImportField("remark", gettext_lazy("Remark"), aliases=("备注", "说明", "remark", "remarks", "note", "notes")),
        # 开票信息 (a company's): checked as the customer form checks them.
        ImportField("credit_code", gettext_lazy("Unified social credit code"),
                    aliases=("统一社会信用代码", "信用代码", "社会信用代码", "credit code", "uscc")),
        ImportField("tax_number", gettext_lazy("Taxpayer ID"),
                    aliases=("纳税人识别号", "税号", "纳税识别号", "tax number", "tax id", "taxpayer id")),
        ImportField("invoice_address", gettext_lazy("Registered address"),
                    aliases=("注册地址", "开票地址", "registered address")),
        ImportField("invoice_phone", gettext_lazy("Registered phone"),
                    aliases=("注册电话", "开票电话", "registered phone")),
        ImportField("bank_name", gettext_lazy("Bank"), aliases=("开户行", "开户银行", "bank")),
        ImportField("bank_account", gettext_lazy("Bank account"),
                    aliases=("银行账号", "开户账号", "账号", "bank account", "account number")),
        ImportField(
            "tags",
            gettext_lazy("Tags"),
            aliases=("标签", "tags", "tag"),
            help_text=gettext_lazy("Several tags separated by commas; new ones are created."),
        ),
        ImportField(
            "owner",
            gettext_lazy("Owner"),
            aliases=("负责人", "所有人", "归属人", "归属销售", "销售", "owner"),
            help_text=gettext_lazy("User name, employee number or name; empty means you."),
        ),
        ImportField(
            "contact_name",
            gettext_lazy("Contact name"),
            aliases=("联系人", "联系人姓名", "姓名", "contact", "contact name"),
        ),
        ImportField(
            "contact_mobile",
            gettext_lazy("Contact mobile"),
            aliases=("手机", "手机号", "手机号码", "联系人手机", "移动电话", "mobile", "cell", "cellphone"),
        ),
        ImportField(
            "contact_email",
            gettext_lazy("Contact e-mail"),
            aliases=("联系人邮箱", "联系人电子邮件", "contact email", "contact e-mail"),
        ),
        ImportField(
            "contact_title",
            gettext_lazy("Contact job title"),
            aliases=("职务", "职位", "联系人职务", "title", "job title", "position"),
        ),
        # An exported list's ID column: which customer the row is (the surest duplicate match).
        ImportField("id", gettext_lazy("Customer ID"), aliases=("id", "编号", "客户id", "customer id")),
        # 客户编号: kept for a new customer (when well-formed and unused), never changed on an update.
        ImportField(
            "number",
            gettext_lazy("Customer number"),
            aliases=("客户编号", "customer number", "customer no", "number"),
            help_text=gettext_lazy("Kept for new customers; empty means the next number."),
        ),
    )

    # --- Who may set what ---------------------------------------------------------------------------------

    def denied_fields(self, actor: User) -> set[str]:
        """Import fields the actor's roles may not write (field-level permissions apply to imports too)."""
        return (hidden_fields(actor, Customer) | readonly_fields(actor, Customer)) & {*CUSTOMER_FIELDS, "number"}

    def lookups(self, actor: User, owner_names: set[str]) -> Lookups:
        return Lookups.load(actor, owner_names, labels={f.key: str(f.label) for f in self.fields})

    # --- Dry run ------------------------------------------------------------------------------------------

    def analyse(self, *, actor: User, rows: list[SourceRow], policy: str, progress: Progress) -> Analysis:
        duplicates.forget_indexes()
        owner_names = {row.values.get("owner", "").strip() for row in rows} - {""}
        lookups = self.lookups(actor, owner_names)
        outcomes: list[RowOutcome] = []
        plan = CustomerPlan()
        valid: list[tuple[SourceRow, RowPlan]] = []
        for row in rows:
            errors, row_plan = validate_row(row, lookups)
            if errors:
                outcomes.append(RowOutcome(row=row.number, action="error", messages=errors, cells=row.cells))
            else:
                valid.append((row, row_plan))
        progress(len(rows) // 3)

        # The high-water marks come first: whatever is written while the lookups run is above them, and the run
        # looks at exactly that (see recheck()).
        marks = plans.high_water_marks(Customer, Contact)
        existing = duplicates.find_existing([row_plan for _row, row_plan in valid])
        progress(2 * len(rows) // 3)
        described = duplicates.describe_customers(actor, {pk for found in existing.values() for pk in found.matches})
        numbers = duplicates.numbers_in_use({p.customer["number"] for _row, p in valid if p.customer.get("number")})
        numbered: dict[str, int] = {}  # number -> the row of the file that gives it to a new customer
        seen: dict[tuple[str, str], int] = {}
        for row, row_plan in valid:
            outcome = None
            found = existing.get(row.number)
            if found and found.matches:
                outcome = duplicates.apply_policy(row.number, row.cells, row_plan, found, described, policy)
            else:
                earlier = duplicates.earlier_row(row_plan, seen)
                if earlier:
                    action = "create" if policy == "create" else "skip"
                    outcome = RowOutcome(
                        row=row.number,
                        action=action,
                        cells=row.cells,
                        duplicate_of=_("Row %(row)s of this file") % {"row": earlier},
                        messages=[
                            _("Created anyway.")
                            if action == "create"
                            else _("Skipped: the file has this customer already.")
                        ],
                    )
            action = outcome.action if outcome else "create"
            if action in ("create", "update"):
                target = described[row_plan.target]["owner_id"] if action == "update" else None
                problem = owner_problem(
                    row_plan, actor, lookups, target, updating=action == "update"
                ) or number_problem(row_plan, action, numbers, numbered, lookups)
                if problem:
                    outcome = RowOutcome(row=row.number, action="error", messages=[problem], cells=row.cells)
                    action = "error"
                elif action == "create" and row_plan.customer.get("number"):
                    numbered[row_plan.customer["number"]] = row.number
            if action != "error":
                for key in row_plan.keys:
                    seen.setdefault(key, row.number)
            if outcome is not None:
                outcomes.append(outcome)
            if action == "create":
                plan.creates.append(row_plan)
            elif action == "update":
                plan.updates.append(row_plan)
            plan.cells[row.number] = row.cells
        outcomes.sort(key=lambda o: o.row)
        progress(len(rows))
        saved = {
            "version": SAVED_VERSION,
            "policy": policy,
            "total": len(rows),
            "marks": marks,
            "owners": sorted(owner_names),
            "fingerprint": lookups.fingerprint(),
            "creates": [p.as_json() for p in plan.creates],
            "updates": [p.as_json() for p in plan.updates],
        }
        return Analysis(
            total=len(rows),
            outcomes=outcomes,
            to_create=len(plan.creates),
            to_update=len(plan.updates),
            plan=plan,
            saved=saved,
        )

    def recheck(
        self, *, actor: User, saved: dict, policy: str, issues: list[dict], progress: Progress
    ) -> Analysis | None:
        """The run after a preview: the preview's plan, with the duplicate check repeated only against what
        changed since — customers created or updated after the preview's high-water marks, and every contact's
        mobile and e-mail (contacts can change without their customer). A planned new customer that has become
        a duplicate meanwhile is handled by the policy like any other. None (check everything again) when the
        plan is from another version or policy, too old, or the dictionaries, owners, tags or rights the rows
        were validated against have changed."""
        duplicates.forget_indexes()
        if plans.checked_at(saved, version=SAVED_VERSION, policy=policy) is None:
            return None
        lookups = self.lookups(actor, set(saved["owners"]))
        if lookups.fingerprint() != saved["fingerprint"]:
            return None
        owners = owners_by_id(lookups.users)
        plan = CustomerPlan(
            creates=[RowPlan.from_json(data, owners) for data in saved["creates"]],
            updates=[RowPlan.from_json(data, owners) for data in saved["updates"]],
        )
        outcomes = {issue["row"]: RowOutcome(**issue) for issue in issues}
        plan.cells = {number: outcome.cells for number, outcome in outcomes.items()}
        progress(saved["total"] // 3)
        # Rows the preview had no objection to; duplicates created anyway keep what the preview said.
        fresh = [p for p in plan.creates if p.number not in outcomes]
        existing = duplicates.find_existing(fresh, changed_after=saved["marks"])
        progress(2 * saved["total"] // 3)
        if existing:
            described = duplicates.describe_customers(
                actor, {pk for found in existing.values() for pk in found.matches}
            )
            creates = []
            for row_plan in plan.creates:
                found = existing.get(row_plan.number)
                if not found:
                    creates.append(row_plan)
                    continue
                outcome = duplicates.apply_policy(row_plan.number, [], row_plan, found, described, policy)
                outcome.messages.insert(0, _("Found at import time: the duplicate was added after the preview."))
                if outcome.action == "update" and (
                    problem := owner_problem(row_plan, actor, lookups, described[row_plan.target]["owner_id"],
                                             updating=True)
                ):
                    outcome.action, outcome.messages = "error", [problem]
                if outcome.action == "update" and (number := row_plan.customer.get("number")):
                    in_use = duplicates.numbers_in_use({number})  # the customer it now updates keeps its own
                    if problem := number_problem(row_plan, "update", in_use, {}, lookups):
                        outcome.action, outcome.messages = "error", [problem]
                outcomes[row_plan.number] = outcome
                if outcome.action == "create":
                    creates.append(row_plan)
                elif outcome.action == "update":
                    plan.updates.append(row_plan)
            plan.creates = creates
        # A number a new customer is to keep may have been given to someone else since the preview.
        taken = duplicates.numbers_in_use({p.customer["number"] for p in plan.creates if p.customer.get("number")})
        if taken:
            for row_plan in [p for p in plan.creates if p.customer.get("number") in taken]:
                plan.creates.remove(row_plan)
                message = number_problem(row_plan, "create", taken, {}, lookups)
                outcomes[row_plan.number] = RowOutcome(row=row_plan.number, action="error", messages=[message])
        progress(saved["total"])
        return Analysis(
            total=saved["total"],
            outcomes=sorted(outcomes.values(), key=lambda o: o.row),
            to_create=len(plan.creates),
            to_update=len(plan.updates),
            plan=plan,
        )

    # --- Write --------------------------------------------------------------------------------------------

    def write(self, *, actor: User, analysis: Analysis, progress: Progress) -> WriteResult:
        return import_customers(actor=actor, plan=analysis.plan, progress=progress)

    def write_steps(self, *, actor: User, analysis: Analysis) -> Iterator[WriteStep]:
        return import_steps(actor=actor, plan=analysis.plan)

    def undo(self, *, actor: User, undo: dict) -> None:
        undo_import_step(actor=actor, undo=undo)


register_importer(CustomerImporter())
