"""Hostile files through the real `/legacy/` endpoint: each refused with its reason, nothing kept.

The inspection runs in the real sandbox. Besides the reason, each test checks that the refusal
left no row (not even a filename reservation) and no stored or spooled bytes.
"""

from __future__ import annotations

import dataclasses
import time

import pytest

from tests.factories.dists import core_metadata, upload
from tests.inspection import hostile
from tests.upload.checks import assert_refused


@pytest.mark.parametrize("label", sorted(hostile.HOSTILE))
def test_hostile_upload_is_refused_with_its_reason_and_leaves_nothing(app, alice, unchanged, label):
    bad = hostile.HOSTILE[label]()
    started = time.monotonic()
    with unchanged():
        response = upload(app, bad.as_dist(), alice)
    assert time.monotonic() - started < 5
    line = assert_refused(response, 400, f"Invalid distribution file {bad.filename!r}: ")
    assert bad.reason in line


def test_sdist_whose_pkg_info_names_another_project_is_refused(app, alice, unchanged):
    other = core_metadata("other-project", hostile.VERSION)
    bad = hostile.sdist(hostile.sdist_entries(metadata=other))
    with unchanged():
        response = upload(app, bad.as_dist(), alice)
    assert_refused(
        response, 400, "The uploaded name 'sample-project' does not match 'other-project'"
    )


def test_form_that_disagrees_with_the_artifact_on_another_field_is_refused(app, alice, unchanged):
    dist = hostile.wheel(hostile.wheel_members()).as_dist()
    with unchanged():
        response = upload(app, dist, alice, requires_python=">=3.99")
    assert_refused(response, 400, "The uploaded requires_python '>=3.99' does not match")


def test_unknown_classifier_is_refused(app, alice, unchanged):
    metadata = core_metadata(hostile.NAME, hostile.VERSION)
    metadata = metadata.replace(
        b"Summary:", b"Classifier: Programming Language :: Klingon\nSummary:"
    )
    wheel = hostile.wheel(hostile.wheel_members(metadata=metadata)).as_dist()
    dist = dataclasses.replace(wheel, metadata=metadata)
    with unchanged():
        response = upload(app, dist, alice, classifiers="Programming Language :: Klingon")
    assert_refused(response, 400, "unknown classifier 'Programming Language :: Klingon'")


def test_known_classifiers_are_accepted(app, alice):
    classifiers = ["Programming Language :: Python :: 3", "License :: OSI Approved :: MIT License"]
    lines = "".join(f"Classifier: {c}\n" for c in classifiers).encode()
    metadata = core_metadata(hostile.NAME, hostile.VERSION).replace(
        b"Summary:", lines + b"Summary:"
    )
    wheel = hostile.wheel(hostile.wheel_members(metadata=metadata)).as_dist()
    dist = dataclasses.replace(wheel, metadata=metadata)
    assert upload(app, dist, alice, classifiers=classifiers).status_int == 200
    info = app.get(f"/pypi/{hostile.NAME}/json").json["info"]
    assert sorted(info["classifiers"]) == sorted(classifiers)
