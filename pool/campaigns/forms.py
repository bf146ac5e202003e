"""Forms of the 成长之星 pages. They render inputs and re-fill what was typed; the rules are the workflows'
(`workflows.campaigns`), so a page refuses what the API refuses, in the same words. Plain `wtforms.Form`
with the token rendered by the templates (`csrf_token()`), as the pool pages do: several forms share a page.
"""

from wtforms import Form, IntegerField, StringField, TextAreaField

from workflows.errors import DomainError


class Applying:
    def apply(self, exc: DomainError) -> list[str]:
        """Put the workflow's messages beside the fields; returns the ones no field here shows."""
        others = []
        for name, message in exc.fields.items():
            if name in self:
                self[name].errors = [message]
            else:
                others.append(message)
        return others


class CampaignForm(Form, Applying):
    year = IntegerField("评选年度", render_kw={"inputmode": "numeric"})
    total = IntegerField("总名额", render_kw={"inputmode": "numeric"})
    candidate_factor = StringField("候选倍数", description="每个区县的候选数 = 候选倍数 × 名额（向上取整）")
    nomination_deadline = StringField("提名截止日期", render_kw={"type": "date"})
    review_deadline = StringField("复核截止日期", render_kw={"type": "date"})
    comment = TextAreaField("说明（选填）", render_kw={"rows": 2})

    def values(self) -> dict:
        raw = {name: self[name].raw_data[0] if self[name].raw_data else None
               for name in ("year", "total", "candidate_factor", "nomination_deadline", "review_deadline", "comment")}
        return {k: v.strip() if isinstance(v, str) else v for k, v in raw.items() if v not in (None, "")}


class DeadlinesForm(Form, Applying):
    nomination_deadline = StringField("提名截止日期", render_kw={"type": "date"})
    review_deadline = StringField("复核截止日期", render_kw={"type": "date"})
    comment = TextAreaField("说明（选填）", render_kw={"rows": 1})


class NominationForm(Form, Applying):
    uscc = StringField("统一社会信用代码", render_kw={"autocomplete": "off", "spellcheck": "false", "class": "uscc"})
    reason = TextAreaField("提名理由", render_kw={"rows": 2})
