"""The words reflections use, by concept, in every language we read.

Structure (headings, lists, tables, marks, numbers) carries across languages; words
do not. Every word the parser keys on lives here, so adding a language means adding
entries to these tables, not touching extraction code. Entries are regex fragments,
matched case-insensitively.
"""

from __future__ import annotations

import re
import string

# --- section headings -------------------------------------------------------------

SECTION_WORDS: dict[str, tuple[str, ...]] = {
    # Headings whose lists, paragraphs and sub-headings are attempts.
    "attempts": (
        r"what (i|we) tried",
        r"things (i |we |i'?ve |we'?ve )?tried",
        r"what (i'?ve|we'?ve) tried",
        r"tried( and (failed|reverted))?",
        r"approaches tried",
        r"fix attempts?",
        r"failed (attempts?|approaches|fixes)",
        r"dead ends?",
        r"what didn'?t work",
        r"what did not work",
        r"didn'?t work",
        r"attempts( timeline| log| history)?",
        r"key mistakes",
        r"mistakes made",
        r"failed experiments",
        r"approaches",
        r"試したこと",
        r"うまくいかなかった",
        r"試行",
        r"tentatives?",
        r"essais?",
        r"ce qui n'a pas (marché|fonctionné)",
        r"ce que (j'ai|nous avons|on a) (essayé|tenté)",
        r"approches? essayée?s?",
        r"pistes (explorées|essayées|tentées)",
        r"những gì đã thử",
        r"đã thử",
        r"intentos",
        r"lo que (probé|intenté)",
        r"versuche",
        r"was ich (versucht|probiert) habe",
        r"ansätze",
        r"troubleshooting steps",
        r"o que (eu )?(tentei|tentamos)",
        r"tentativas",
        r"tentativi",
        r"cosa (ho|abbiamo) provato",
        r"尝试过?的?(方法|方案)?",
        r"试过的(方法|方案)?",
        r"시도한 것",
        r"시도",
    ),
    # Headings that may hold an attempts table or timestamped log, but whose
    # lists are usually something else.
    "timeline": (
        r"timeline",
        r"journey",
        r"iterations?",
        r"experiments?",
        r"debug(ging)? log",
        r"session log",
        r"chronolog(y|ie)",
        r"history",
        r"log",
    ),
    "root_causes": (
        r"root causes?",
        r"root[- ]cause analysis",
        r"why (this|it) took",
        r"causes?",
        r"原因",
        r"cause racine",
        r"causes? profondes?",
        r"nguyên nhân",
    ),
    "lessons": (
        r"lessons?( learned| learnt)?",
        r"learnings?",
        r"takeaways?",
        r"what i learned",
        r"教訓",
        r"学び",
        r"leçons?( apprises)?",
        r"enseignements?",
        r"bài học",
    ),
    "went_right": (
        r"what (i|we) did right",
        r"what went (right|well)",
        r"what worked( well)?",
        r"successes",
        r"うまくいったこと",
        r"ce qui a (bien )?marché",
        r"points positifs",
    ),
    "recommendations": (
        r"recommendations?",
        r"suggestions?",
        r"proposed (changes|improvements)",
        r"improvements?",
        r"prevention",
        r"提案",
        r"推奨",
        r"recommandations?",
        r"đề xuất",
        r"khuyến nghị",
    ),
    "actions": (
        r"action items?",
        r"actions?",
        r"next steps?",
        r"todos?(?! \d)",
        r"to[- ]dos?(?! \d)",
        r"follow[- ]?ups?",
        r"open items?",
        r"outstanding( items| work| tasks)?",
        r"remaining( work| tasks| items)?",
        r"future work",
        r"improvement actions?",
        r"unfinished( work)?",
        r"tasks? pending",
        r"pending tasks?",
        r"backlog",
        r"still to do",
        r"open questions? and tasks",
        r"what'?s next",
        r"deployment checklist",
        r"still open",
        r"deferred",
        r"not yet (tested|done|verified|implemented|fixed)",
        r"not done",
        r"needs? (verification|testing)",
        r"(gaps?|items?|work) (still )?open",
        r"left to do",
        r"start here",
        r"first thing next session",
        r"non[- ]trait[ée]e?s?",
        r"reste à faire",
        r"à traiter",
        r"次のステップ",
        r"今後の(課題|対応|タスク)",
        r"やること",
        r"prochaines? étapes?",
        r"actions? à (mener|faire)",
        r"à faire",
        r"suites? à donner",
        r"reste à faire",
        r"việc cần làm",
        r"bước tiếp theo",
        r"hành động",
        r"(próximos|siguientes) pasos",
        r"pendientes",
        r"nächste schritte",
        r"offene punkte",
    ),
    "done_list": (
        r"accomplish(ed|ments)",
        r"completed?",
        r"what was done",
        r"done",
        r"shipped",
        r"verification",
        r"verified",
        r"success criteria",
        r"test plan",
        r"checks?",
        r"acceptance criteria",
        # Checks confirmed, not steps to perform ("Security & Compliance Checklist").
        r"(security|compliance|quality|code review|review)( (&|and) (security|compliance|quality))? checklist",
        r"deliverables",
        r"files? (created|changed|modified)",
        r"changes made",
        r"summary",
        r"réalisé",
        r"terminé",
        r"完了",
        r"hypothes[ie]s",
        r"findings",
        r"observations",
        r"evidence",
        r"achievements",
    ),
    "time_analysis": (
        r"time (analysis|breakdown|allocation|spent|accounting)",
        r"time by phase",
        r"where the time went",
        r"時間",
        r"temps passé",
        r"répartition du temps",
    ),
    "ideal": (
        r"ideal timeline",
        r"ideal (path|flow)",
        r"if we had known",
        r"success metrics",
        r"with (prevention|hindsight)",
        r"optimal (path|timeline|approach|flow)",
        r"how it should have gone",
        r"parcours idéal",
    ),
    "solution": (
        r"(the )?solution",
        r"what worked",
        r"(the )?(actual|real|final) fix",
        r"the fix",
        r"fix applied",
        r"resolution",
        r"corrective actions?",
        r"解決策",
        r"solution retenue",
    ),
    # A way around the problem, not a fix: the session got only part of the way.
    "workaround": (r"workarounds?", r"回避策", r"contournement", r"solution de contournement"),
    "key_takeaway": (r"key takeaway", r"key insight", r"tl;?dr", r"bottom line"),
}

# --- header fields ("**Date**: ...", "Status: ...") -----------------------------------

FIELD_WORDS: dict[str, tuple[str, ...]] = {
    "date": (
        r"date",
        r"session date",
        r"date discovered",
        r"started",
        r"start(ed)? at",
        r"when",
        r"day",
        r"日付",
        r"日時",
        r"fecha",
        r"datum",
        r"ngày",
    ),
    "written": (r"written", r"created", r"analysis completed", r"updated", r"last updated"),
    "result": (
        r"result",
        r"status",
        r"outcome",
        r"final status",
        r"session status",
        r"verdict",
        r"結果",
        r"ステータス",
        r"résultat",
        r"statut",
        r"kết quả",
        r"trạng thái",
        r"resultado",
        r"estado",
        r"ergebnis",
    ),
    "total": (
        r"duration",
        r"session duration",
        r"total (session )?(time|duration)",
        r"total session time",
        r"time to (solution|resolution|fix)",
        r"session length",
        r"(whole|entire|full) session( time| length)?",
        r"time (taken|invested)",
        r"time spent( overall| in total)?",
        r"elapsed",
        r"total time spent",
        r"durée( totale)?",
        r"temps total",
        r"temps passé",
        r"(zeit)?aufwand",
        r"duración( total)?",
        r"tiempo total",
        r"(gesamt)?dauer",
        r"gesamtzeit",
        r"tempo total[e]?",
        r"duração( total)?",
        r"durata( totale)?",
        r"所要時間",
        r"作業時間",
        r"thời gian",
    ),
    # Labels that give the session's length only in its header ("**Time**: 2h",
    # "Total: 1h45"); further down, an attempt's "Time: 10 min" is its own.
    "header_total": (r"time", r"total", r"session", r"session time", r"tiempo", r"zeit"),
    # A session's clock times written apart ("Start: 09:40" ... "End: 11:05").
    "start": (
        r"start(ed)?( at| time)?",
        r"began",
        r"début",
        r"heure de début",
        r"inicio",
        r"hora de inicio",
        r"beginn",
        r"startzeit",
        r"開始(時刻)?",
    ),
    "end": (
        r"end(ed)?( at| time)?",
        r"finished( at)?",
        r"stopped( at)?",
        r"fin",
        r"heure de fin",
        r"hora de fin",
        r"ende",
        r"endzeit",
        r"終了(時刻)?",
    ),
    "project": (r"project", r"repo(sitory)?", r"projet", r"プロジェクト"),
    # What the author says it should have taken ("**Ideal time**: 20 minutes").
    "ideal": (
        r"ideal( session)?( time| duration| total| length)?",
        r"optimal (time|duration)",
        r"should have taken",
        r"temps idéal",
        r"durée idéale",
        r"理想(時間|の時間)?",
    ),
    "attempt_minutes": (
        r"time wasted",
        r"time lost",
        r"time spent",
        r"time",
        r"duration",
        r"cost",
        r"wasted",
        r"took",
        r"impact",
        r"temps perdu",
        r"durée",
        r"dauer",
        r"duración",
        r"temps",
        r"tiempo",
        r"zeit",
        r"時間",
    ),
    "root_cause": (r"root cause", r"cause", r"why it failed", r"blocker", r"原因", r"cause racine"),
    "should_have": (
        r"what i should have done",
        r"should have",
        r"better approach",
        r"instead",
        r"lesson",
        r"ce que j'aurais dû faire",
    ),
    "attempt_status": (
        r"(\w+ )?status",
        r"(\w+ )?results?",
        r"outcome",
        r"actual",
        r"verdict",
        r"結果",
        r"résultat",
        r"resultado",
        r"ergebnis",
    ),
}

# --- judgements -------------------------------------------------------------------

# What a session fights, as authors name it when it goes away or comes back ("the
# 502s are gone", "the warning went away", "evictions came back").
_SYMPTOM = (
    r"(?:errors?|warnings?|crash(?:es)?|flakes?|flakiness|loop|leak|lag|stalls?|hangs?|"
    r"timeouts?|evictions?|spikes?|storm|regression|issue|problem|bug|duplicates|restarts|\d{3}s)"
)

# Order matters: the first class whose words match wins, so the more specific
# judgements (abandoned, partial) come before the general ones.
# The word-boundary `\b` that opens most alternatives is written once, before the group
# ("\b(?:abandon(ed|ing)?\b|gave up\b|...)"): the engine then rules out a position
# inside a word with one check instead of one per alternative (4-7x faster searches).
OUTCOME_WORDS: tuple[tuple[str, str], ...] = (
    (
        "unknown",
        r"\b(status: ?)?(testing now|still testing|pending|not yet (tested|verified)|untested|in progress|tbd|"
        r"needs? (re-?)?(testing|verification)|awaiting|ready to test|to be (tested|verified|confirmed)|"
        # A judgement put off: "will watch the error rate overnight", "wait and see".
        r"will (watch|monitor|check|see|know|verify|confirm)|wait(ing)? and see)\b|\(pending\)",
    ),
    (
        "abandoned",
        r"\b(?:abandon(ed|ing)?\b|gave up\b|dropped (?:it|this|the (?:idea|approach|attempt|plan|experiment))\b|never got (?:a?round )?to\b|reverted\b|rolled back\b|backed out\b|scrapped\b|stopped pursuing\b|wrong direction\b|paused for\b|put on hold\b|parked\b|beyond (this|the) session'?s? scope\b|abandonad[oa]\b|dej(?:é|amos) a medias\b|abgebrochen\b|aufgegeben\b|abbandonat[oa]\b)|abandonné|放棄|諦め|放弃|포기|bỏ dở",
    ),
    (
        "partial",
        r"\b(?:partial(ly)?( success| fix| win)?\b|half[- ]working\b|led (me|us) to\b|helped( narrow)?\b|got part of the way\b|got (?:us|me) halfway\b|half (?:of )?the \w+ (?:went away|(?:are|were) gone|disappeared|resolved?|pass(?:es|ed)?|work(?:s|ed)?)\b|(?:kind|sort) of (?:help(?:ed|s)?|work(?:ed|s)?|fixed)\b|partly\b(?!,? (?:because|due|thanks|since|as)\b)|some progress\b|half a win\b|(works?|worked|fixed|pass(es|ed)?|success\w*|(?:runs|builds|loads|boots|starts) again)\b[^.;]{0,40}(\bbut\b|, not\b|, (and |but )?(fail|broke))|mostly work|parcial(mente)?\b|a medias\b|teilweise\b|parzialmente\b|[ie]m parte\b)|partiel(le)?"
        # "works, but ..." in French, Spanish and German, negated forms left to "failed".
        r"|(?<!ne )(?<!pas )(?<!no )(?:marche|fonctionne|passe|funciona|funcionó|funktioniert|klappt)"
        r"(?!\w*\s+(?:pas|nicht)\b)\w*\b[^.;]{0,40}\b(?:mais|pero|aber)\b|部分的|一部(改善|解決)|部分(解决|成功|有效)|부분적|một phần",
    ),
    # Negated success ("doesn't work", "not fixed") before the success words it contains.
    (
        "failed",
        rf"\b{_SYMPTOM} (?:(?:came|comes|come|is|are|was|were) back|continue[sd]?|remain(?:s|ed)?)\b|"
        # The problem kept at it: "backlog kept growing", "kept timing out".
        r"\bkept (?:grow|fail|crash|drop|hang|leak|restart|timing out|dying)\w*|"
        r"\b(didn'?t|did not|doesn'?t|does not|don'?t|do not|won'?t|wouldn'?t|never|no longer|not|still not|isn'?t|wasn'?t)\s+(\w+\s+)?(work(s|ed|ing)?|fix(ed|es)?|solve[ds]?|resolved?|help(s|ed)?|succeed(ed)?|pass(ed|es)?)\b|\bwithout success\b|\bunsuccessful\b|\b(?:didn'?t|did not) pan out\b|\b(?:didn'?t|did not|doesn'?t|does not) (?:make (?:a|any|much of a) difference|change anything)\b"
        r"|ne (?:fonctionne|marche) (?:toujours )?pas|n'a pas (marché|fonctionné|aidé)|n'a rien (changé|donné)|rien n'a changé|toujours rien|aucun effet|sans (?:effet|succès)"
        r"|\b(?:n(?:o (?:funcion[óa]|resuelto|sirvió|ha servido|ayudó|cambió nada)|icht (?:erfolgreich|geholfen|geklappt)"
        r"|ão (?:funcionou|funciona|resolveu|ajudou|deu certo)|on (?:ha )?(?:funzionato|funziona|risolto))|s(?:in (?:éxito|cambios)|em sucesso)|tampoco|siguen? (?:igual|fallando|duplicad\w*|roto|rota|sin funcionar)|funktioniert(?:e)? nicht|hat nicht funktioniert|(?:klappt|hilft|half)e? nicht|keine (?:besserung|verbesserung|änderung|wirkung)|ohne (?:erfolg|wirkung))"
        r"|うまくいかな|動かな|ダメ(?!ージ)|だめだ|駄目"
        r"|没用|没有用|无效|没效果|不行|효과 없|안 ?됨",
    ),
    (
        "succeeded",
        rf"\b{_SYMPTOM} (?:(?:is|are|was|were) (?:all )?gone|went away|disappeared|stopped)\b|"
        rf"\bno more {_SYMPTOM}\b|\b(?:works|runs|builds|loads|boots|starts) again\b|"
        r"\b(?:that was (?:it|the fix)|(?:that|this) did it|confirmed|c'était ça|era eso)(?=[\s*_]*(?:[,.;:!)—–-]|$))|"
        # "worked around it" tells a workaround, not that the attempt worked.
        r"\b(success(ful)?|succeeded|solved|fixed|resolved|(?:works?|worked|working)(?! around)|passed|passes|green|jackpot|landed|landing|it worked|this worked|the fix|did the trick|tests? (now )?pass|funcionó|funciona|resuelto|éxito|erfolgreich|gelöst|funktioniert|geklappt|klappt|resolvido|resolveu|funcionou|deu certo|risolto|funziona(?:to)?)\b|réussi|fonctionne|ça (a )?marché|ça marche|成功|解決(?!策)|解决(?!方案)|通った|うまくいった|thành công"
        r"|해결|성공",
    ),
    (
        "failed",
        r"\bnot (?:the|our|my) (issue|cause|problem|culprit)\b|\b(?:disprov(?:ed|en)|ruled out)\b|\b(fail(ed|s|ure)?|to no avail|nothing changed|no dice|same (error|failure|result|problem|stack ?trace|trace|exception|symptoms?|timeouts?|crash(es)?)|hang(s|ing)?|hung|didn'?t work|did not work|does not work|doesn'?t work|broke|broken|error|no (real |visible |noticeable )?(luck|effect|change|difference|improvement)|not (fix|solve)|still (fail(s|ed|ing)?|broken|empty|returns|red|flaky|stale|nothing|\d+|slow\w*|logged out|missing|stuck|blank|lag\w*|leak\w*|happen\w*|reproduc\w*|dies|died)|persist(s|ed)|same \d{3}|(dropped|went down|disconnected|died|froze|stuck) again|nope|unchanged|timed out|timeout|crash(ed)?|rejected|wrong|dead end|won'?t|invisible|doesn'?t exist|not found|dropped to|worse|regress(ed|ion)|not good|no better|couldn'?t|could not|cannot|fallid[oa]|falló|mismo error|fehlgeschlagen|gescheitert|gleiche[rn]? fehler|falhou|mesmo erro|fallito|stesso errore)\b|échec|échoué|失敗|失败|실패|エラー|変わらない|変化(なし|がな)|効果(なし|がな)|thất bại|lỗi",
    ),
)

MARK_OUTCOME = {
    "\u274c": "failed",  # ❌
    "\u2716": "failed",  # ✖
    "\u2717": "failed",  # ✗
    "\U0001f6ab": "failed",  # 🚫
    "\u26d4": "failed",  # ⛔
    "\u2705": "succeeded",  # ✅
    "\u2714": "succeeded",  # ✔
    "\u2713": "succeeded",  # ✓
    "\u26a0": "partial",  # ⚠
    "\U0001f7e1": "partial",  # 🟡
    "\U0001f7e2": "succeeded",  # 🟢
    "\U0001f534": "failed",  # 🔴
    "\u23f8": "abandoned",  # ⏸ paused: stopped before finishing
    "\u23f9": "abandoned",  # ⏹
}

RESULT_WORDS: tuple[tuple[str, str], ...] = (
    ("unknown", r"\b(testing|pending|tbd|unknown|in review)\b"),
    (
        "partial",
        r"\b(?:partial(ly)?|in progress|ongoing|incomplete|mostly|wip|blocked on|requires? (deeper )?investigation|mitigated|workaround|parcial|teilweise)\b|partiel|部分|en cours|một phần",
    ),
    (
        "failure",
        r"\b(fail(ed|ure)?|unsuccessful|unresolved|won'?t fix|wontfix|not (resolved|fixed|solved)|blocked|abandoned|aborted|no fix|fracaso|fallid[oa]|sin éxito|no resuelto|sin resolver|abandonad[oa]|fehlgeschlagen|gescheitert|nicht erfolgreich|misserfolg|ungelöst|nicht (behoben|gelöst)|abgebrochen|aufgegeben|abandonn[ée]e?|non résolu|pas résolu)\b|échec|失敗|未解決|未完了|thất bại",
    ),
    (
        "success",
        r"\b(success(ful(ly)?)?|succeeded|solved|resolved|fixed|complete(d)?|done|shipped|merged|deployed|green|working|delivered|achieved|éxito|exitos[oa]|resuelto|completad[oa]|terminad[oa]|erfolg(reich)?|gelöst|behoben|erledigt|abgeschlossen|résolu)\b|réussi|terminé|成功|解決|完了|thành công|hoàn thành",
    ),
)

MARK_RESULT = {
    "\u2705": "success",
    "\u274c": "failure",
    "\u26a0": "partial",
    "\U0001f7e1": "partial",
}

# A change that made things worse failed, even when it was then rolled back: these
# overrule the abandonment a revert alone tells ("made it worse, so we rolled back").
MADE_WORSE = r"made (?:it|things|everything|matters) (?:much |even )?worse\b"

# Words that say the problem persists after a change ("still not good", "still fails").
PERSISTS = r"\bstill (not|no|fail\w*|broken|empty|wrong|red|slow|hangs?|crash\w*)\b|\bno better\b|toujours pas|まだ(失敗|動かな)"

# Section or label words that say everything listed under them failed.
FAILED_SECTION = r"didn'?t work|did not work|fail(ed|ures?)|dead ends?|mistakes?|what went wrong|うまくいかなかった|失敗|n'a pas (marché|fonctionné)|échecs?"

# A line of pasted output that reports an error: an attempt whose body ends with
# such output and says nothing else failed ("Error: ...", "✖ Loading", "npm ERR!").
ERROR_OUTPUT = (
    r"^\s*(?:[$>#]\s*)?(?:"
    r"(?:error|fatal|panic)\b\s*(?:\[[^\]]*\])?\s*:"
    r"|[\w.]*(?:Error|Exception|Failure):\s"
    r"|Traceback \(most recent call last\)"
    r"|npm ERR!|ERR_PNPM|E[A-Z]{3,}:\s"
    r"|[\u2716\u2717\u00d7\u274c]\s"
    r"|FAIL(?:ED)?\b"
    r")"
)

# Sections whose opening text judges the whole session.
VERDICT_SECTIONS = (
    r"summary",
    r"executive summary",
    r"conclusion",
    r"outcome",
    r"result",
    r"results",
    r"final status",
    r"status",
    r"verdict",
    r"honest conclusion",
    r"wrap[- ]?up",
    r"tl;?dr",
    r"まとめ",
    r"結論",
    r"résumé",
    r"conclusion",
    r"bilan",
    r"kết luận",
    r"tóm tắt",
)

# --- priorities -------------------------------------------------------------------

PRIORITY_WORDS: tuple[tuple[str, str], ...] = (
    (
        "high",
        r"\b(high|critical|urgent|blocker|must|p0|p1|highest|haute?|élevée|critique|cao|alta|hoch|hohe)\b|高|重要|緊急|最優先",
    ),
    (
        "medium",
        r"\b(medium|med|moderate|normal|should|p2|moyenne?|trung bình|media|mittel|mittlere)\b|中",
    ),
    (
        "low",
        r"\b(low|minor|nice[- ]to[- ]have|could|p[3-9]|lowest|optional|basse?|faible|thấp|baja|niedrig|niedrige)\b|低",
    ),
)

# A tag that marks an item's priority: "(HIGH)", "[P1]", "HIGH PRIORITY", "priority: high".
PRIORITY_TAG = re.compile(
    r"[(\[]\s*(?P<a>high|medium|med|low|critical|urgent|p[0-9])\s*(priority)?\s*[)\]]"
    r"|\b(?P<b>high|medium|low|critical)[- ]priority\b"
    r"|\bpriority\s*[:=]?\s*(?P<c>high|medium|med|low|critical|p[0-9])\b"
    r"|(?:^|\s|\*\*)(?P<d>P[0-9])(?=\b)"
    r"|\((?P<e>haute|moyenne|basse|élevée)\)"
    # One word in brackets ending the item, in German, Spanish or as MoSCoW: "(hoch)",
    # "(must)". Inside a sentence it is the sentence's word ("which flags (must) be set").
    r"|\((?P<i>hoch|mittel|niedrig|alta|media|baja|must|should|nice[- ]to[- ]have)\)\s*[.;]?\s*$"
    # French, Spanish, German: "priorité haute", "prioridad: alta", "Priorität hoch".
    r"|\bpriori(?:t[ée]|dad|tät)\s*[:=]?\s*(?P<g>haute|moyenne|basse|élevée|alta|media|baja|hoch|mittel|niedrig)\b\s*:?"
    r"|\b(?P<h>haute|moyenne|basse|alta|media|baja|hohe|mittlere|niedrige) priori(?:t[ée]|dad|tät)\b\s*:?"
    r"|優先度\s*[:：]?\s*(?P<f>高|中|低)",
    re.IGNORECASE,
)
# A colored circle opening an item: 🔴 high, 🟠 high, 🟡 medium, 🟢 low.
PRIORITY_CIRCLES = {
    "\U0001f534": "high",
    "\U0001f7e0": "high",
    "\U0001f7e1": "medium",
    "\U0001f7e2": "low",
}

# Headings that group items by priority ("### High priority", "## P1", "### Must").
PRIORITY_HEADING = re.compile(
    r"^\W*(?P<w>high|medium|low|critical|urgent|p[0-9])\b(\s*[- ]?priority)?\W*$"
    # MoSCoW: "### Must", "Should have:", "### Nice to have".
    r"|^\W*(?P<m>(?:must|should|could|nice[- ]to)(?:[- ]haves?)?)\W*$"
    r"|^\W*priority\s*[:\-]?\s*(?P<w2>high|medium|low|p[0-9])\W*$"
    r"|^\W*(?P<w3>haute|moyenne|basse) priorité\W*$",
    re.IGNORECASE,
)

# Genre labels that decorate a title ("Session Reflection: X", "X - Post-Mortem").
TITLE_LABELS = (
    r"session reflection",
    r"session retrospective",
    r"session retro",
    r"retrospective",
    r"retro",
    r"post[- ]?mortem",
    r"session report",
    r"session summary",
    r"session notes?",
    r"session log",
    r"session handoff",
    r"handoff",
    r"session resume",
    r"session recap",
    r"bug fix session summary",
    r"incident report",
    r"reflection",
    r"debug(ging)? session",
    r"debug journal",
    r"debugging journal",
    r"dev(elopment)? log",
    r"devlog",
    r"work log",
    r"rétrospective",
    r"bilan de session",
    r"compte[- ]rendu",
    r"振り返り",
    r"reflexión de (la )?sesión",
    r"retrospectiva",
    r"sitzungsrückblick",
    r"rückblick",
    r"セッション(記録|レポート)",
)

# Sentences that state the session's length without a field label.
TOTAL_PATTERNS = (
    r"(?P<d>~?\s*\d[\d.,]*\s*(?:h|hours?|hrs?|min(?:utes)?)\b)\s+(?:of\s+)?wall[- ]?(?:clock\s+)?time",
    r"\bsession (?:lasted|took|ran for)\s+(?P<d>[^.;,\n]{1,30})",
    r"\btotal session time\s*(?:was|of)?\s*(?P<d>[^.;,\n]{1,30})",
)

# Words that say a stated figure is only waste, not the session's length.
WASTE_WORDS = r"wasted|lost|perdu|無駄"

# Words that say what the ideal would have been.
IDEAL_PATTERNS = (
    r"should have (been|taken)\s*(?:about |around |only |~|≈)*(?P<d>[^.;,)\n]{1,30})",
    r"could have (been done|taken|finished)\s*(in|within)?\s*(?P<d>[^.;,)\n]{1,30})",
    r"ideal(ly)?( time| duration| total)?\s*[:=]?\s*(?:would be |was |is )?(?P<d>~?\s*\d[^.;,)\n]{0,25})",
    r"(?P<d>\d+\s*分)で終わる(作業|はず)",
    r"aurait dû prendre\s*(?P<d>[^.;,)\n]{1,30})",
)


def words_re(words: tuple[str, ...]) -> str:
    return "(?:" + "|".join(words) + ")"


# Characters that IGNORECASE matches to an ASCII letter but lower() does not turn
# into it, or turns into two characters: İ ı ſ K. Looked for with one `in` each: a
# regex character set stepped through a text holding emoji at a third of the speed.
_FOLD_TRAPS = ("\u0130", "\u0131", "\u017f", "\u212a")
_FOLD_TRAPS_UTF8 = tuple(c.encode() for c in _FOLD_TRAPS)


def lowered(text: str) -> str | None:
    """`text.lower()`, when a case-sensitive pattern with no capital letter finds in it
    exactly what the same pattern with IGNORECASE finds in `text`; None when only the
    IGNORECASE scan can tell (the text holds İ ı ſ K).

    A case-blind regex tries every alternative at every position; a case-sensitive
    one passes over an alternative whose first letter differs (issue 4).
    """
    if text.isascii() or not any(c in text for c in _FOLD_TRAPS):  # isascii: a flag
        return text.lower()
    return None


def case_sensitive_twin(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` without IGNORECASE, to run on a `lowered` text: it finds there what
    `pattern` finds in the text, twice as fast (the engine passes over an alternative
    whose first letter differs; ignoring case, it tries each one).

    `pattern` itself when no twin is exact: a capital letter in it (escapes aside)
    would never match a lowered text, and a letter that IGNORECASE matches to an ASCII
    one (ſ, ı, K) would miss what lower() leaves alone. Either way the result, run on
    the lowered text, finds what `pattern` finds in the text.
    """
    letters = {c for c in re.sub(r"\\.", "", pattern.pattern) if c.isalpha()}
    if any(c.isupper() for c in letters) or any(
        re.fullmatch(re.escape(c), a, re.I)
        for c in letters
        if not c.isascii()
        for a in string.ascii_lowercase
    ):
        return pattern
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


def lowered_utf8(data: bytes) -> bytes | None:
    """A text's UTF-8 with its ASCII letters lowered, for `in` tests: an ASCII phrase
    that IGNORECASE finds in the text is in it, and so is any phrase without a cased
    letter; None when the text holds İ ı ſ K (see `lowered`).

    Cheaper than `lowered` for a whole document: str.lower() maps every character of
    a text holding emoji through the Unicode tables (70 us for 14 KB), bytes.lower()
    only the ASCII letters (5 us).
    """
    if any(c in data for c in _FOLD_TRAPS_UTF8):
        return None
    return data.lower()


def blank_start(text: str, m: re.Match[str]) -> int:
    r"""Where a match starts once the blank space before it is added.

    A pattern that opens with `\s*` gets no fast scan (the regex engine tries a
    match at every position); written without it, the blank space is taken here.
    The leftmost match is the same: the pattern's next character is no blank.
    """
    start = m.start()
    while start and text[start - 1].isspace():
        start -= 1
    return start


def compile_section(kind: str) -> re.Pattern[str]:
    # Hyphens bind words: "action-event" is no "action".
    return re.compile(r"(?<![\w-])" + words_re(SECTION_WORDS[kind]) + r"(?![\w-])", re.IGNORECASE)


def compile_field(kind: str) -> re.Pattern[str]:
    """Matches a whole field label ("Date", "Time to Solution")."""
    return re.compile(r"^\W*" + words_re(FIELD_WORDS[kind]) + r"\W*$", re.IGNORECASE)
