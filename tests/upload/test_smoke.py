from tests.factories.dists import build_sdist, build_wheel, upload


def test_upload_then_simple_page_lists_both_files(app, make_user):
    auth = make_user()
    wheel, sdist = build_wheel(), build_sdist()
    assert upload(app, wheel, auth).status_int == 200
    assert upload(app, sdist, auth).status_int == 200
    page = app.get(
        "/simple/sample-project/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    assert sorted(f["filename"] for f in page.json["files"]) == sorted(
        [sdist.filename, wheel.filename]
    )
