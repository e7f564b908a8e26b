"""Outcome words: the verdict an attempt's own text gives."""

import pytest

from session_retro.parse.outcomes import (
    mark_outcome,
    told_after_verdict,
    value_outcome,
    words_outcome,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Negated success must not read as success (regression: "doesn't work" was succeeded).
        pytest.param("It doesn't work", "failed", id="negated-work"),
        pytest.param("still not working after the restart", "failed", id="still-not-working"),
        pytest.param("This did not help", "failed", id="did-not-help"),
        pytest.param("no longer works after restart", "failed", id="no-longer"),
        pytest.param("Fixed the error", "succeeded", id="fixed-beats-error"),
        pytest.param("worked for pip, not for npm", "partial", id="worked-but-not"),
        pytest.param(
            "Direct API calls work, but backend still returns empty", "partial", id="work-but"
        ),
        pytest.param("Why I abandoned it", "abandoned", id="abandoned"),
        pytest.param("Status: Testing now", "unknown", id="testing-now"),
        pytest.param("エラーは変わらない", "failed", id="japanese-unchanged"),
        pytest.param("SWC の minify を無効化 → 効果なし", "failed", id="japanese-no-effect"),
        pytest.param("Issue の解決策 (その 1)", None, id="japanese-solution-noun-is-no-verdict"),
        pytest.param("Sweep result: everything dropped to F", "failed", id="dropped-to"),
        pytest.param("a plain description of the change", None, id="no-verdict"),
        # Hypotheticals judge nothing (regression: "If this router worked, ..." was succeeded).
        pytest.param("If the cache worked, we would see 200s", None, id="if-clause"),
        pytest.param("it would have worked with the old driver", None, id="would-have"),
        pytest.param("this should fix the flake", None, id="should-fix"),
        pytest.param("Once I purged the cache, it worked", "succeeded", id="main-clause-kept"),
        pytest.param("Could not connect to the DB", "failed", id="could-not-is-fact"),
        pytest.param("would not work behind the proxy", "failed", id="negated-modal-is-fact"),
        pytest.param("the test worker hangs on the first spec", "failed", id="hangs"),
        pytest.param("Pinned xdist (10 min) — no change.", "failed", id="no-change"),
        pytest.param("made no difference to the flake rate", "failed", id="no-difference"),
        pytest.param("no changes to the API were needed", None, id="no-changes-is-no-verdict"),
        pytest.param(
            "worked for posts, failed on the liquid includes", "partial", id="worked-then-failed"
        ),
        pytest.param("passes locally, fails on CI", "partial", id="passes-then-fails"),
        # Spanish and German verdicts, negated success before success.
        pytest.param("Funcionó: la 5 es solo ESM.", "succeeded", id="spanish-worked"),
        pytest.param("No funcionó, mismo error.", "failed", id="spanish-negated"),
        pytest.param("Lo intentamos sin éxito.", "failed", id="spanish-without-success"),
        pytest.param("Ergebnis: fehlgeschlagen", "failed", id="german-failed"),
        pytest.param("Das funktioniert nicht", "failed", id="german-negated"),
        pytest.param("teilweise gelöst", "partial", id="german-partial"),
        pytest.param("abgebrochen, zu teuer", "abandoned", id="german-abandoned"),
        # Verdicts written freely: negations, idioms, and the same in French, German,
        # Spanish and Japanese (each once defeated the reader).
        pytest.param("Status: still failing, same trace", "failed", id="still-failing"),
        pytest.param("Didn't make a difference to the hit rate", "failed", id="no-difference-verb"),
        pytest.param("retried twice, to no avail", "failed", id="to-no-avail"),
        pytest.param("That did the trick; the plan is clean", "succeeded", id="did-the-trick"),
        pytest.param("all 12 checkout tests pass now", "succeeded", id="tests-pass"),
        pytest.param("Ça n'a rien changé.", "failed", id="french-nothing-changed"),
        pytest.param("aucun effet sur la taille", "failed", id="french-no-effect"),
        pytest.param("Ça a marché du premier coup", "succeeded", id="french-worked"),
        pytest.param("Hat nicht geholfen.", "failed", id="german-did-not-help"),
        pytest.param("keine Besserung", "failed", id="german-no-improvement"),
        pytest.param("Das hat nicht geklappt", "failed", id="german-negated-worked"),
        pytest.param("hat geklappt", "succeeded", id="german-worked"),
        pytest.param("No sirvió de nada", "failed", id="spanish-no-use"),
        pytest.param("funcionó a medias", "partial", id="spanish-half-worked"),
        pytest.param("1時間試したがダメだった", "failed", id="japanese-no-good"),
        pytest.param("Didn't pan out; the text differs per browser", "failed", id="pan-out"),
        pytest.param("Cleared the cache. Nothing changed.", "failed", id="nothing-changed"),
        pytest.param("same stack trace as before", "failed", id="same-stack-trace"),
        pytest.param("ça passe mieux, mais deux specs plantent", "partial", id="french-works-but"),
        pytest.param("Ça ne marche pas, mais j'ai une piste", "failed", id="french-negated-but"),
        pytest.param("funciona, pero tarda el doble", "partial", id="spanish-works-but"),
        pytest.param("funktioniert, aber nur lokal", "partial", id="german-works-but"),
        pytest.param("一部改善、依存関係だけ復元される", "partial", id="japanese-partly-better"),
        pytest.param("ダメージ計算を修正する", None, id="japanese-damage-is-no-verdict"),
        pytest.param("20分かかった。変化なし。", "failed", id="japanese-no-change"),
        # A symptom gone or back judges the change that preceded it.
        pytest.param("the 502s are gone since the deploy", "succeeded", id="symptom-gone"),
        pytest.param("the warning went away", "succeeded", id="symptom-went-away"),
        pytest.param("an hour later the evictions came back", "failed", id="symptom-back"),
        pytest.param("the old data is gone", None, id="no-symptom-gone"),
        pytest.param("That was it: ranking matches staging", "succeeded", id="that-was-it"),
        pytest.param("that was it for today", None, id="that-was-it-for-today"),
        pytest.param("funciona, la cola se vacía", "succeeded", id="spanish-works"),
        pytest.param("no funciona con TLS", "failed", id="spanish-negated-works"),
        pytest.param("the refactor gives the same output", None, id="same-output-is-no-verdict"),
        # An expectation the sentence says was let down is a failure, not a hypothetical.
        pytest.param(
            "This should have fixed it, but the cookie was still dropped",
            "failed",
            id="should-have-but",
        ),
        # Code names a setting or a symbol; it judges nothing.
        pytest.param("Raise `proxy-read-timeout` on the ingress", None, id="code-span-no-verdict"),
        # Quoted words are someone else's: a ticket, a reporter, a log line.
        pytest.param('the old ticket says "pool bump worked last time"', None, id="quoted-ticket"),
        pytest.param("the reporter wrote “works in incognito”", None, id="quoted-reporter"),
        pytest.param('log still says "WARN worker gone" — no change', "failed", id="quoted-log"),
        # Asking whether it works judges nothing; the answer does.
        pytest.param(
            "Preguntar al usuario si funciona en otro navegador — dice que tampoco",
            None,
            id="es-whether-it-works",
        ),
        pytest.param("Gefragt, ob es funktioniert — keine Antwort", None, id="de-whether"),
        # Someone's workaround is no success of this attempt.
        pytest.param(
            "a colleague worked around it this way last year; boot took 4 min",
            None,
            id="worked-around",
        ),
        pytest.param("`npm ci` failed on the lockfile", "failed", id="verdict-beside-code"),
        # A judgement put off is no verdict, whatever words the plan holds ("error rate").
        pytest.param("Will watch the error rate overnight.", "unknown", id="will-watch"),
        # Casual verdicts: the problem still shows, a shrug, part of the way.
        pytest.param("Sharded the run four ways — still flaky, nope.", "failed", id="nope"),
        pytest.param("Looked fine here, but CI was still red", "failed", id="still-red"),
        pytest.param("Purged the pages. Prices were still stale.", "failed", id="still-stale"),
        pytest.param("made it worse, so we rolled back", "failed", id="worse-then-rolled-back"),
        pytest.param("rolled back after the demo", "abandoned", id="rolled-back-alone"),
        pytest.param("error rate dropped to 5%, got us halfway", "partial", id="halfway"),
        pytest.param("kind of helped, runs still slow", "partial", id="kind-of-helped"),
        pytest.param("partly: plan ran, apply locked again", "partial", id="partly"),
        pytest.param("It failed, partly because the cache was cold", "failed", id="partly-because"),
        pytest.param("stayed up an hour, then dropped again", "failed", id="dropped-again"),
        pytest.param("Half the duplicates went away.", "partial", id="half-went-away"),
        # Portuguese, Italian, Chinese and Korean verdicts, negated success first.
        pytest.param("não funcionou, mesmo erro", "failed", id="pt-negated"),
        pytest.param("funcionou parcialmente, o erro mudou", "partial", id="pt-partial"),
        pytest.param("resolvido depois do deploy", "succeeded", id="pt-solved"),
        pytest.param("Non ha funzionato.", "failed", id="it-negated"),
        pytest.param("Risolto! Il login adesso va.", "succeeded", id="it-solved"),
        pytest.param("换了镜像源，没用", "failed", id="zh-no-use"),
        pytest.param("部分解决，第二次构建快了", "partial", id="zh-partial"),
        pytest.param("问题解决了", "succeeded", id="zh-solved"),
        pytest.param("재시도 줄이기 — 실패", "failed", id="ko-failed"),
        pytest.param("부분적으로 해결", "partial", id="ko-partial"),
        pytest.param("해결됨", "succeeded", id="ko-solved"),
        pytest.param("Lo dejé a medias: pide Gradle 8.", "abandoned", id="es-left-half-done"),
        # A verdict by reference to the one before ("neither"), a negated "deu certo", a
        # success told as "that did it" (each once read as success or as no verdict).
        pytest.param("Limpiar la caché (10 min): tampoco.", "failed", id="es-neither"),
        pytest.param("Tampoco funcionó con Hermes.", "failed", id="es-neither-worked"),
        pytest.param("Limpar o cache — não deu certo.", "failed", id="pt-negated-deu-certo"),
        pytest.param("deu certo em parte: o build passa", "partial", id="pt-in-part"),
        pytest.param("That did it. The feed comes back.", "succeeded", id="that-did-it"),
        pytest.param("Did it help? Not sure yet", None, id="did-it-question-no-verdict"),
        # A hypothesis is judged disproved or confirmed; dropping a thing is a step taken,
        # dropping the idea abandons it; an option never tried was abandoned.
        pytest.param("Checked the pool size. Disproved.", "failed", id="disproved"),
        pytest.param("DNS ruled out, lookups take 2 ms", "failed", id="ruled-out"),
        pytest.param(
            "RSS flat over 50k jobs. **Confirmed**, the leak.", "succeeded", id="confirmed"
        ),
        pytest.param("Confirmed the bug reproduces on staging", None, id="confirmed-the-thing"),
        pytest.param(
            "Dropped the `products` index and re-ran the backfill", None, id="dropped-the-index"
        ),
        pytest.param(
            "dropped the idea once the quota came back", "abandoned", id="dropped-the-idea"
        ),
        pytest.param("never got to test it, option 2 won", "abandoned", id="never-got-to"),
        pytest.param("Didn't change anything; typing still stalls.", "failed", id="no-change-verb"),
        pytest.param("Smooth now, results lag. Call it half a win.", "partial", id="half-a-win"),
        # The problem persists, in the words authors use for it.
        pytest.param("users still logged out early", "failed", id="still-logged-out"),
        pytest.param("the API still slowed at night", "failed", id="still-slowed"),
        pytest.param("Result: still 413 on large files", "failed", id="still-status-code"),
        pytest.param("Result: same 403", "failed", id="same-status-code"),
        pytest.param("the duplicates persisted", "failed", id="persisted"),
        pytest.param("standard models still grade A", None, id="still-neutral"),
        pytest.param("the backlog kept growing", "failed", id="kept-growing"),
        pytest.param("502s continue after the restart", "failed", id="symptom-continues"),
        pytest.param("here the same timeouts", "failed", id="same-timeouts"),
        pytest.param("the worker still dies at the upload", "failed", id="still-dies"),
        pytest.param("they said it took an hour — not our issue", "failed", id="not-our-issue"),
        pytest.param("Cambiar el cron — siguen duplicadas", "failed", id="es-still-duplicated"),
        pytest.param("kept the old config as a fallback", None, id="kept-neutral"),
        # ...and the ways to say it stopped, or runs again (part of the way, with a "but").
        pytest.param("timeouts stopped", "succeeded", id="symptom-stopped"),
        pytest.param("no more restarts since", "succeeded", id="no-more-symptom"),
        pytest.param("the nightly job runs again", "succeeded", id="runs-again"),
        pytest.param("Builds again, but the docs addon crashes.", "partial", id="again-but"),
    ],
)
def test_words_outcome(text, expected):
    assert words_outcome(text) == expected


def test_outcome_words_are_lowercase():
    # words_outcome lowercases the text and matches case-sensitively (for speed).
    from session_retro.parse import vocab

    assert all(p == p.lower() for _, p in vocab.OUTCOME_WORDS)


def test_mixed_marks_are_partial():
    assert mark_outcome("✅ ❌") == "partial"
    assert mark_outcome("❌") == "failed"
    assert mark_outcome("no mark") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0/29 wins", "failed"),
        ("29/29 green", "succeeded"),
        ("2/3 bugs fixed", "partial"),
        ("✅", "succeeded"),
        # Done but not yet verified: the text does not say whether it worked.
        ("✅ Completed - Needs testing after restart", "unknown"),
        ("Config files deleted - Awaiting the regenerated file", "unknown"),
        # A one-word answer to "Worked?" / "Result:" judges; the same word in prose does not.
        ("no", "failed"),
        ("Nope", "failed"),
        ("yes", "succeeded"),
        ("partly — tokens arrived for fresh installs only", "partial"),
        ("kind of", "partial"),
        ("n/a", None),
        ("no idea yet", None),
        # A "Fixed?" column answered by a letter.
        ("Y", "succeeded"),
        ("N", "failed"),
    ],
)
def test_value_outcome_scores_and_marks(value, expected):
    assert value_outcome(value) == expected


@pytest.mark.parametrize(
    "line, project",
    [
        pytest.param("**Project**: billing-api (Stripe)", "billing-api", id="aside-dropped"),
        pytest.param("**Repository**: `acme/web`", "acme/web", id="repo-label"),
        pytest.param("**Project**: Payments — Q3 push", "Payments", id="dash-aside"),
        # A sentence is no project name: the folder stays the project.
        pytest.param(
            "**Project**: we were asked to rebuild the payments module", "folder", id="sentence"
        ),
        pytest.param("**Date**: 2026-01-02", "folder", id="no-field"),
    ],
)
def test_project_field_in_the_header(line, project):
    from session_retro.parse import parse_session

    text = f"# Fix CI\n\n**Date**: 2026-01-01\n{line}\n\n### Attempt 1: Retry (5 min) ❌\n"
    assert parse_session(text, "folder/x.md", project="folder").project == project


@pytest.mark.parametrize(
    ("text", "told"),
    [
        (
            "Chased the red test — 40 min — ❌ failed. It passed 15 times locally.",
            "It passed 15 times locally",
        ),
        ("Rewrote it ⚠️ abandoned when main failed too.", "when main failed too"),
        ("Bumped the pin ❌ Same error; CI reads .nvmrc instead.", "CI reads .nvmrc instead"),
        ("Re-ran ❌ Same error; wrong guess.", None),  # too short to be an account
        ("Tried the codemod ✅ all checks pass", "all checks pass"),  # kept only for waste
        ("No mark, failed because of X and Y", None),
        ("", None),
    ],
)
def test_told_after_verdict(text, told):
    assert told_after_verdict(text) == told


@pytest.mark.parametrize(
    ("item", "outcome"),
    [
        # The approach is itself a revert or a drop: the words after it judge it.
        ("Reverted the parser change from v2.3.1 — import works again", "succeeded"),
        ("Rolled back the Redis upgrade (10 min): same error", "failed"),
        ("Dropped the stale index — partly helped", "partial"),
        # With no words after it, the revert is what the item tells.
        ("Reverted the parser change from v2.3.1", "abandoned"),
        # A revert told after the approach is still the attempt's end.
        ("Tried the async client, reverted it after 15 min", "abandoned"),
    ],
)
def test_an_approach_that_reverts_is_judged_by_the_words_after_it(item, outcome):
    from session_retro.parse import parse_session

    text = f"# Import regression\n\n## What I tried\n\n- {item}\n- Bisected the release\n"
    [first, _] = parse_session(text, "x.md").attempts
    assert first.outcome == outcome
