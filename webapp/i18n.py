"""UI strings in Chinese and English, the request's language, and localised error messages."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask
from flask import g
from flask import request
from flask import url_for
from markupsafe import Markup
from markupsafe import escape

from kb.rules.model import Text
from webapp.knowledge import get_kb

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

STRINGS = {
    # layout
    "site_name": {"zh": "云支持知识库", "en": "Cloud Support Help"},
    "skip_to_content": {"zh": "跳到正文", "en": "Skip to content"},
    "nav_home": {"zh": "首页", "en": "Home"},
    "nav_search": {"zh": "搜索", "en": "Search"},
    "nav_assistant": {"zh": "支持范围助手", "en": "Scope assistant"},
    "nav_new_ticket": {"zh": "提交工单", "en": "New ticket"},
    "nav_lookup": {"zh": "查询工单", "en": "Find a ticket"},
    "nav_label": {"zh": "主导航", "en": "Main"},
    "switch_language": {"zh": "English", "en": "中文"},
    "switch_language_label": {"zh": "Switch to English", "en": "切换到中文"},
    "footer_api": {"zh": "API 文档（OpenAPI）", "en": "API description (OpenAPI)"},
    "footer_note": {"zh": "建议仅供参考，是否采纳由您决定。", "en": "Advice is best effort; you decide whether to apply it."},
    # home
    "home_title": {"zh": "我们能帮您什么？", "en": "How can we help?"},
    "home_intro": {"zh": "搜索排障文章，或让助手判断您的问题是否在服务计划范围内。",
                   "en": "Search the troubleshooting articles, or let the assistant check whether your plan covers a question."},
    "catalog_title": {"zh": "第三方软件目录", "en": "Third-party software catalog"},
    "catalog_intro": {"zh": "以下软件在目录内，可获得配置指导与故障排查建议。",
                      "en": "Software in this catalog gets configuration guidance and troubleshooting advice."},
    "plans_title": {"zh": "服务计划", "en": "Support plans"},
    "plan": {"zh": "服务计划", "en": "Plan"},
    "channels": {"zh": "支持渠道", "en": "Channels"},
    "response_times": {"zh": "响应时间", "en": "Response times"},
    "third_party_support": {"zh": "第三方软件支持", "en": "Third-party software support"},
    "minutes": {"zh": "{n} 分钟", "en": "{n} min"},
    "accepted_within": {"zh": "{n} 分钟内受理", "en": "accepted within {n} min"},
    "ask_assistant": {"zh": "问助手", "en": "Ask the assistant"},
    "paid": {"zh": "（付费）", "en": " (paid)"},
    # search
    "search_title": {"zh": "搜索文章", "en": "Search articles"},
    "search_label": {"zh": "描述问题或粘贴报错信息", "en": "Describe the problem or paste the error message"},
    "search_button": {"zh": "搜索", "en": "Search"},
    "software": {"zh": "软件", "en": "Software"},
    "category": {"zh": "类别", "en": "Category"},
    "any": {"zh": "全部", "en": "Any"},
    "filter_button": {"zh": "筛选", "en": "Filter"},
    "results_for": {"zh": "“{q}”的搜索结果", "en": "Results for “{q}”"},
    "did_you_mean": {"zh": "您是不是要找：", "en": "Did you mean:"},
    "no_results": {"zh": "没有找到相关文章。可以换个说法，或问问助手。",
                   "en": "No articles found. Try other words, or ask the assistant."},
    "results_count": {"zh": "{n} 篇文章", "en": "{n} articles"},
    # articles
    "updated": {"zh": "更新于", "en": "Updated"},
    "applies_to": {"zh": "适用于", "en": "Applies to"},
    "contents": {"zh": "目录", "en": "Contents"},
    "related": {"zh": "相关文章", "en": "Related articles"},
    "helpful_question": {"zh": "这篇文章有帮助吗？", "en": "Was this helpful?"},
    "yes": {"zh": "有帮助", "en": "Yes"},
    "no": {"zh": "没帮助", "en": "No"},
    "vote_thanks": {"zh": "感谢您的反馈！", "en": "Thank you for your feedback!"},
    "votes": {"zh": "{yes} 人认为有帮助，{no} 人认为没帮助", "en": "{yes} found this helpful, {no} did not"},
    "your_vote_yes": {"zh": "您的反馈：有帮助。可以随时更改。", "en": "Your answer: helpful. You can change it."},
    "your_vote_no": {"zh": "您的反馈：没帮助。可以随时更改。", "en": "Your answer: not helpful. You can change it."},
    "vote_sorry": {"zh": "抱歉没能帮到您。可以让助手判断您的问题是否在服务范围内，或直接提交工单。",
                   "en": "Sorry it did not help. Ask the assistant whether your plan covers the problem, or open a ticket."},
    # assistant
    "assistant_title": {"zh": "支持范围助手", "en": "Scope assistant"},
    "assistant_intro": {"zh": "描述您的问题，助手会根据服务计划说明书判断是否在支持范围内，以及该走哪个渠道、多久响应。",
                        "en": "Describe your problem: the assistant checks the plan terms to tell whether it is covered, "
                              "which channel to use and how soon you get an answer."},
    "question": {"zh": "您的问题", "en": "Your question"},
    "question_hint": {"zh": "最多 500 个字符，例如：修改 sshd_config 后 sshd 无法启动",
                      "en": "Up to 500 characters, e.g. sshd fails to start after editing sshd_config"},
    "choose_plan": {"zh": "请选择", "en": "Choose"},
    "severity": {"zh": "严重性", "en": "Severity"},
    "not_sure": {"zh": "不确定", "en": "Not sure"},
    "optional": {"zh": "可选", "en": "optional"},
    "onsite_legend": {"zh": "驻场技术支持（如已购买）", "en": "Onsite support contract (if you have one)"},
    "onsite_mode": {"zh": "驻场模式", "en": "Onsite mode"},
    "none": {"zh": "无", "en": "None"},
    "onsite_staff": {"zh": "驻场人数", "en": "Onsite engineers"},
    "onsite_city": {"zh": "城市", "en": "City"},
    "ask_button": {"zh": "判断", "en": "Check"},
    "decision_title": {"zh": "判断结果", "en": "What your plan covers"},
    "facts_title": {"zh": "回答", "en": "The answer"},
    "if_you_contact": {"zh": "如果您仍联系技术支持", "en": "If you still contact support"},
    "out_of_scope_contact": {"zh": "以下是技术支持的响应时间和渠道：他们会回复您，但该请求本身不在服务范围内。",
                             "en": "This is how fast support responds and where to reach them: they will answer, "
                                   "but the request itself is not covered."},
    "onsite_immediate": {"zh": "现在是现场服务时间：驻场工程师已在现场，立即响应。",
                         "en": "Inside service hours: the onsite engineer is already on site and responds immediately."},
    "assumed": {"zh": "（推定）", "en": "(assumed)"},
    "scope_in": {"zh": "在支持范围内", "en": "In scope"},
    "scope_out": {"zh": "不在支持范围内", "en": "Out of scope"},
    "scope_partial": {"zh": "部分在支持范围内", "en": "Partly in scope"},
    "scope_unknown": {"zh": "需工程师确认", "en": "Needs an engineer"},
    "clause": {"zh": "依据条款", "en": "The clause"},
    "source": {"zh": "来源", "en": "Source"},
    "support_level": {"zh": "支持级别", "en": "Support level"},
    "response_target": {"zh": "响应目标", "en": "Response target"},
    "deadline": {"zh": "截止时间", "en": "Deadline"},
    "channels_in_order": {"zh": "建议渠道（按优先级）", "en": "Where to ask, best first"},
    "alternatives": {"zh": "您可以改为", "en": "Where to go instead"},
    "prerequisites": {"zh": "前提条件", "en": "Prerequisites"},
    "onsite_title": {"zh": "驻场响应", "en": "Onsite response"},
    "onsite_respond_by": {"zh": "响应截止", "en": "Respond by"},
    "onsite_arrive_by": {"zh": "到场截止", "en": "Arrive by"},
    "fault_level": {"zh": "故障级别", "en": "Fault level"},
    "notes": {"zh": "说明", "en": "Notes"},
    "trace_title": {"zh": "判断依据（规则追踪）", "en": "How this was decided (rule trace)"},
    "suggested_articles": {"zh": "可能有帮助的文章", "en": "Articles that may help"},
    "solved_button": {"zh": "问题已解决", "en": "This solved it"},
    "need_help_button": {"zh": "仍需帮助", "en": "I still need help"},
    "solved_title": {"zh": "太好了！", "en": "Glad it helped!"},
    "solved_text": {"zh": "感谢告诉我们问题已解决。", "en": "Thanks for letting us know your problem is solved."},
    # tickets
    "ticket_new_title": {"zh": "提交工单", "en": "Open a ticket"},
    "subject": {"zh": "主题", "en": "Subject"},
    "description": {"zh": "问题描述", "en": "Description"},
    "description_hint": {"zh": "至少 {min} 个字：报错信息、操作系统、已尝试的步骤",
                         "en": "At least {min} characters: error messages, operating system, what you tried"},
    "contact": {"zh": "联系方式", "en": "Contact"},
    "contact_hint": {"zh": "邮箱地址或电话号码", "en": "An email address or a phone number"},
    "submit_ticket": {"zh": "提交", "en": "Submit"},
    "ticket_title": {"zh": "工单 {number}", "en": "Ticket {number}"},
    "ticket_created": {"zh": "工单已创建。", "en": "Your ticket was created."},
    "ticket_number": {"zh": "工单号", "en": "Ticket number"},
    "ticket_token": {"zh": "查询口令", "en": "Access token"},
    "keep_token": {"zh": "请保存工单号和查询口令：查看工单时需要两者。",
                   "en": "Keep the number and the token: you need both to see this ticket again."},
    "channel": {"zh": "渠道", "en": "Channel"},
    "response_deadline": {"zh": "响应截止时间", "en": "Response deadline"},
    "lookup_title": {"zh": "查询工单", "en": "Find a ticket"},
    "lookup_button": {"zh": "查询", "en": "Find"},
    "status": {"zh": "状态", "en": "Status"},
    "status_open": {"zh": "已提交，等待工程师处理", "en": "Open: waiting for an engineer"},
    "created_at": {"zh": "提交时间", "en": "Created"},
    "ticket_not_found": {"zh": "没有与该工单号和查询口令匹配的工单。请核对创建工单时显示的工单号和口令。",
                         "en": "No ticket with that number and access token. Check both against what was shown "
                               "when the ticket was created."},
    "lookup_intro": {"zh": "输入工单号和查询口令即可查看工单。", "en": "Enter the ticket number and its access token."},
    # engineers
    "engineers_only": {"zh": "本页面供支持工程师使用。", "en": "This page is for support engineers."},
    "engineer_login_title": {"zh": "工程师登录", "en": "Engineer sign-in"},
    "engineer_login_intro": {"zh": "请输入工程师口令（配置项 KB_ENGINEER_TOKEN，或 instance/engineer_token 文件中的口令）。",
                             "en": "Enter the engineer token (the KB_ENGINEER_TOKEN setting, or the token in "
                                   "instance/engineer_token)."},
    "engineer_token": {"zh": "工程师口令", "en": "Engineer token"},
    "engineer_login_button": {"zh": "登录", "en": "Sign in"},
    "engineer_login_failed": {"zh": "口令不正确。", "en": "That token is not right."},
    "engineer_logout": {"zh": "退出登录", "en": "Sign out"},
    "unanswered_title": {"zh": "未解答的问题", "en": "Unanswered questions"},
    "unanswered_intro": {"zh": "没有结果、没人点击结果或未标记为已解决的搜索和提问，按出现次数排序。",
                         "en": "Searches and questions with no results, no click or no \u201csolved\u201d, most frequent first."},
    "col_query": {"zh": "查询", "en": "Query"},
    "col_count": {"zh": "次数", "en": "Times"},
    "col_searches": {"zh": "搜索", "en": "Searches"},
    "col_asks": {"zh": "提问", "en": "Questions"},
    "col_no_results": {"zh": "无结果", "en": "No results"},
    "col_tickets": {"zh": "转工单", "en": "Tickets"},
    "col_last_seen": {"zh": "最近一次", "en": "Last seen"},
    "unanswered_empty": {"zh": "暂无未解答的问题。", "en": "No unanswered questions."},
    "problems_title": {"zh": "规则与文章问题", "en": "Rule and article problems"},
    "problems_empty": {"zh": "规则与文章均无问题。", "en": "No problems in the rules or articles."},
    "file": {"zh": "文件", "en": "File"},
    "line": {"zh": "行", "en": "Line"},
    "message": {"zh": "问题", "en": "Message"},
    # errors
    "error_title": {"zh": "出错了", "en": "Something went wrong"},
    "back_home": {"zh": "返回首页", "en": "Back to the home page"},
    "not_found_search": {"zh": "要找文章？搜索一下：", "en": "Looking for an article? Search for it:"},
    "form_error": {"zh": "请修正以下问题：", "en": "Please fix this:"},
    "form_errors": {"zh": "请修正以下 {n} 个问题：", "en": "Please fix these {n} problems:"},
}

CATEGORY_NAMES = {
    "troubleshooting": {"zh": "故障排查", "en": "Troubleshooting"},
    "configuration": {"zh": "配置", "en": "Configuration"},
    "plan": {"zh": "服务计划", "en": "Support plans"},
    "onsite": {"zh": "驻场服务", "en": "Onsite service"},
}
TOPIC_NAMES = {"plans": {"zh": "服务计划", "en": "Support plans"}, "onsite": {"zh": "驻场服务", "en": "Onsite service"}}

FIELD_NAMES = {
    "q": {"zh": "搜索词", "en": "search text"},
    "question": {"zh": "问题", "en": "question"},
    "plan": {"zh": "服务计划", "en": "plan"},
    "severity": {"zh": "严重性", "en": "severity"},
    "software": {"zh": "软件", "en": "software"},
    "category": {"zh": "类别", "en": "category"},
    "lang": {"zh": "语言", "en": "language"},
    "limit": {"zh": "数量", "en": "limit"},
    "mode": {"zh": "搜索模式", "en": "mode"},
    "onsite": {"zh": "驻场", "en": "onsite"},
    "onsite_mode": {"zh": "驻场模式", "en": "onsite mode"},
    "onsite_staff": {"zh": "驻场人数", "en": "onsite staff"},
    "onsite_city": {"zh": "城市", "en": "city"},
    "subject": {"zh": "主题", "en": "subject"},
    "description": {"zh": "问题描述", "en": "description"},
    "contact": {"zh": "联系方式", "en": "contact"},
    "number": {"zh": "工单号", "en": "ticket number"},
    "token": {"zh": "查询口令", "en": "token"},
    "helpful": {"zh": "反馈", "en": "vote"},
    "log_id": {"zh": "记录", "en": "log entry"},
    "body": {"zh": "请求体", "en": "request body"},
    "query": {"zh": "查询参数", "en": "query parameter"},
}

ERROR_MESSAGES = {
    "invalid_input": {"zh": "输入有误（{label}）：{reason}", "en": "Invalid {label}: {reason}"},
    "not_found": {"zh": "找不到您要的内容。", "en": "We could not find what you asked for."},
    "bad_request": {"zh": "请求无效。", "en": "The request is not valid."},
    "csrf_failed": {"zh": "表单已过期，请刷新页面后重试。", "en": "The form expired; reload the page and try again."},
    "method_not_allowed": {"zh": "该地址不支持此请求方法。", "en": "This address does not accept that method."},
    "payload_too_large": {"zh": "请求内容过大（上限 64 KiB）。", "en": "The request is too large (64 KiB at most)."},
    "unsupported_media_type": {"zh": "请求体必须是 JSON（Content-Type: application/json）。",
                               "en": "The body must be JSON (Content-Type: application/json)."},
    "server_error": {"zh": "服务器内部错误，请稍后再试。", "en": "Something broke on our side; please try again later."},
}

# The core's InvalidInput messages, matched so Chinese readers get Chinese reasons.
_REASONS = [
    (re.compile(r"must not be empty"), {"zh": "不能为空", "en": "must not be empty"}),
    (re.compile(r"must be at most (\d+) characters"), {"zh": "最多 {0} 个字符", "en": "must be at most {0} characters"}),
    (re.compile(r"must be one of (.+)"), {"zh": "必须是以下之一：{0}", "en": "must be one of {0}"}),
    (re.compile(r"must be between (\d+) and (\d+) characters"),
     {"zh": "长度须在 {0} 到 {1} 个字符之间", "en": "must be between {0} and {1} characters"}),
    (re.compile(r"must be between (\d+) and (\d+)"), {"zh": "必须在 {0} 到 {1} 之间", "en": "must be between {0} and {1}"}),
    (re.compile(r"must be zh or en"), {"zh": "必须是 zh 或 en", "en": "must be zh or en"}),
    (re.compile(r"must be an integer"), {"zh": "必须是整数", "en": "must be an integer"}),
    (re.compile(r"must be a string"), {"zh": "必须是字符串", "en": "must be a string"}),
    (re.compile(r"must be text"), {"zh": "必须是文本", "en": "must be text"}),
    (re.compile(r"must be a JSON object"), {"zh": "必须是 JSON 对象", "en": "must be a JSON object"}),
    (re.compile(r"unknown field `(.*)`"), {"zh": "不支持的字段 `{0}`", "en": "unknown field `{0}`"}),
    (re.compile(r"unknown parameter `(.*)`"), {"zh": "不支持的参数 `{0}`", "en": "unknown parameter `{0}`"}),
    (re.compile(r"must not contain control characters"),
     {"zh": "不能包含控制字符", "en": "must not contain control characters"}),
    (re.compile(r"must be valid Unicode text"),
     {"zh": "包含无效字符（孤立的代理码位）", "en": "holds an invalid character (a lone surrogate)"}),
    (re.compile(r"is not valid JSON"), {"zh": "不是有效的 JSON", "en": "is not valid JSON"}),
    (re.compile(r"is nested too deeply"), {"zh": "嵌套层次过深", "en": "is nested too deeply"}),
    (re.compile(r"must be an email address or a phone number"),
     {"zh": "须为邮箱地址（如 name@example.com）或电话号码", "en": "must be an email address (like name@example.com) "
                                                              "or a phone number"}),
    (re.compile(r"unknown \w+ `(.+)`"), {"zh": "未知的取值 `{0}`", "en": "unknown value `{0}`"}),
    (re.compile(r"unknown onsite mode"), {"zh": "未知的驻场模式", "en": "unknown onsite mode"}),
]


def get_lang() -> str:
    """The request's language: ?lang=, then the `lang` cookie, then Accept-Language, then Chinese."""
    if "lang" not in g:
        choice = request.args.get("lang")
        if choice not in LANGS:
            choice = request.cookies.get(COOKIE)
        if choice not in LANGS:
            choice = request.accept_languages.best_match(LANGS) or DEFAULT_LANG
        g.lang = choice
    return g.lang


def t(key: str, **values) -> str:
    """The UI string `key` in the request's language, formatted with `values`."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry[get_lang()]
    return text.format(**values) if values else text


def pick(obj, lang: str | None = None) -> str:
    """The `lang` wording of a bilingual {zh, en} value; other values pass through."""
    lang = lang or get_lang()
    if isinstance(obj, Text):
        return obj.pick(lang)
    if not isinstance(obj, dict):
        return obj
    return obj.get(lang) or obj.get("en") or obj.get("zh") or ""


def error_message(code: str, field: str | None = None, detail: str = "", lang: str | None = None, names=None) -> str:
    """A user-facing message for an error code, in `lang`, naming the field when there is one.

    `names` are the display names of the allowed choices (plan names, not ids) for a choice error."""
    lang = lang or get_lang()
    template = ERROR_MESSAGES.get(code, ERROR_MESSAGES["bad_request"])[lang]
    if code != "invalid_input":
        return template
    label = pick(FIELD_NAMES.get(field, {"zh": field or "", "en": field or ""}), lang)
    reason = detail.removeprefix(f"{field}: ")
    if names is not None and reason.startswith("must be one of"):
        shown = ("、" if lang == "zh" else ", ").join(pick(n, lang) for n in names)
        reason = {"zh": "必须是以下之一：{0}", "en": "must be one of {0}"}[lang].format(shown)
        return template.format(label=label, reason=reason)
    for pattern, wording in _REASONS:
        m = pattern.search(reason)
        if m:
            reason = wording[lang].format(*m.groups())
            break
    else:
        reason = reason if lang == "en" else f"无效（{reason}）"
    return template.format(label=label, reason=reason)


def describe(exc) -> dict:
    """A form's view of bad input: the first field and message, and `items` / `fields` for every bad field."""
    errors = getattr(exc, "errors", None) or [exc]
    items = [{"field": e.field, "message": error_message(e.code, e.field, str(e), names=getattr(e, "names", None))}
             for e in errors]
    return {"field": items[0]["field"], "message": items[0]["message"], "items": items,
            "fields": [i["field"] for i in items]}


def switch_url() -> str:
    """The header link that switches to the other language and comes back to this page (an article's translation)."""
    other = "en" if get_lang() == "zh" else "zh"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    path = request.path
    if request.endpoint == "articles.show" and request.view_args:
        path = _translation_path(request.view_args.get("article_id"), other) or path
    back = quote(path) + (f"?{urlencode(args)}" if args else "")
    return url_for("home.set_language", code=other, next=back)


def _translation_path(article_id, lang: str) -> str | None:
    """The path of the `lang` version of an article, when there is one."""
    kb = get_kb()
    article = kb.library.articles.get(article_id)
    if article is None or article.lang == lang:
        return None
    translation = kb.library.translation(article)
    return url_for("articles.show", article_id=translation.id) if translation and translation.lang == lang else None


def init_app(app: Flask) -> None:
    """Expose t(), pick() and the language to templates; mark responses as language-dependent."""

    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_time, "when")

    @app.context_processor
    def language_helpers():
        return {"t": t, "pick": pick, "lang": get_lang(), "switch_url": switch_url, "category_name": category_name,
                "software_name": software_name}

    @app.after_request
    def vary_on_language(response):
        response.vary.update(("Accept-Language", "Cookie"))
        return response


def category_name(category: str) -> str:
    """An article category's name in the request's language."""
    return pick(CATEGORY_NAMES.get(category, {"zh": category, "en": category}))


def software_name(key: str) -> str:
    """A catalog key's or topic's name in the request's language."""
    row = get_kb().book.catalog.get(key)
    if row:
        return pick(row.name)
    return pick(TOPIC_NAMES.get(key, {"zh": key, "en": key}))


def site_zone() -> ZoneInfo:
    """The zone the rules compute deadlines in (the holiday calendar's), used for every time the site shows."""
    return ZoneInfo(get_kb().book.calendar.timezone)


def format_time(value) -> Markup:
    """A <time> element for an ISO timestamp, in the site's time zone (the rules' own) with its UTC offset."""
    if not value:
        return Markup("")
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return escape(value)
    if when.tzinfo is not None:
        when = when.astimezone(site_zone())
    offset = when.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    text = when.strftime("%Y-%m-%d %H:%M") + (f" ({zone})" if zone else "")
    return Markup('<time datetime="{}">{}</time>').format(when.isoformat(), text)
