"""Invalid answers are refused before anything is written, with a message naming the question."""

import subprocess
import sys
from pathlib import Path

import pytest

INVALID_ANSWERS = [
    ("project_name", "Bad Name", "must be lowercase letters"),
    ("project_name", "1service", "start with a letter"),
    ("project_name", "service-", "not end with a dash"),
    ("project_name", "my--service", "two dashes"),
    ("package_name", "class", "is a Python keyword"),
    ("package_name", "my-service", "valid lowercase Python identifier"),
    ("package_name", "celery", "would shadow a module"),
    ("author_email", "not-an-email", "must be an email address"),
    ("author_name", "   ", "must not be empty"),
    ("description", 'say "hi"', "single line without double quotes"),
    ("orm", "mongo", "Invalid choice"),
    ("tasks", "rq", "Invalid choice"),
]
IDS = [f"{question}={value!r}" for question, value, _ in INVALID_ANSWERS]


@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS, ids=IDS)
def test_copier_copy_refuses_invalid_answer(copie, question: str, value: str, message: str) -> None:
    result = copie.copy(extra_answers={question: value})

    assert result.exit_code != 0
    assert f"'{question}'" in str(result.exception)
    assert message in str(result.exception)


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [INVALID_ANSWERS[0], INVALID_ANSWERS[4], INVALID_ANSWERS[-2]],
    ids=[IDS[0], IDS[4], IDS[-2]],
)
def test_copier_command_line_refuses_invalid_data(
    template: Path, tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "out"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "copier"),
            "copy",
            "--defaults",
            "--vcs-ref=HEAD",
            f"--data={question}={value}",
            str(template),
            str(destination),
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )

    assert result.returncode != 0
    assert f"'{question}'" in result.stderr
    assert message in result.stderr
    assert not destination.exists()


def test_valid_answers_render(copie) -> None:
    result = copie.copy(
        extra_answers={"project_name": "billing-api", "author_email": "ops@example.org"}
    )

    assert result.exit_code == 0, result.exception
    assert result.answers["package_name"] == "billing_api"
    assert (result.project_dir / "src" / "billing_api" / "main.py").is_file()
