"""Who may upload: the first uploader of a name becomes its Owner; Owners and Maintainers may
add releases and files afterwards, nobody else may.
"""

from __future__ import annotations

from sqlalchemy import select

from bastion.accounts.models import User
from bastion.packaging.models import Project, Role, RoleName
from tests.factories.dists import build_sdist, build_wheel, upload

JSON_PAGE = "/pypi/sample-project/json"


def _roles(session) -> set[tuple[str, str, str]]:
    query = (
        select(User.username, Project.normalized_name, Role.role_name)
        .join_from(Role, User)
        .join(Project, Role.project_id == Project.id)
    )
    return {tuple(row) for row in session.execute(query)}


def _grant(session, username: str, role: RoleName, project: str = "sample-project") -> None:
    user_id = session.scalars(select(User.id).where(User.username == username)).one()
    project_id = session.scalars(select(Project.id).where(Project.normalized_name == project)).one()
    session.add(Role(user_id=user_id, project_id=project_id, role_name=role.value))
    session.commit()


def test_the_first_upload_of_a_name_makes_the_uploader_its_owner(app, alice, session):
    assert upload(app, build_wheel(), alice).status_int == 200
    assert _roles(session) == {("alice", "sample-project", "Owner")}


def test_an_owner_can_upload_new_releases_and_files(app, alice):
    assert upload(app, build_wheel(version="1.0"), alice).status_int == 200
    assert upload(app, build_wheel(version="2.0"), alice).status_int == 200
    assert upload(app, build_sdist(version="2.0"), alice).status_int == 200
    releases = app.get(JSON_PAGE).json["releases"]
    assert {v: len(files) for v, files in releases.items()} == {"1.0": 1, "2.0": 2}


def test_a_maintainer_can_upload_new_releases_and_files(app, alice, bob, session):
    assert upload(app, build_wheel(version="1.0"), alice).status_int == 200
    _grant(session, "bob", RoleName.MAINTAINER)
    assert upload(app, build_sdist(version="1.0"), bob).status_int == 200
    assert upload(app, build_wheel(version="1.1"), bob).status_int == 200
    releases = app.get(JSON_PAGE).json["releases"]
    assert {v: len(files) for v, files in releases.items()} == {"1.0": 2, "1.1": 1}
    # Uploading does not change anyone's role.
    assert _roles(session) == {
        ("alice", "sample-project", "Owner"),
        ("bob", "sample-project", "Maintainer"),
    }


def test_a_second_owner_can_upload(app, alice, bob, session):
    assert upload(app, build_wheel(version="1.0"), alice).status_int == 200
    _grant(session, "bob", RoleName.OWNER)
    assert upload(app, build_wheel(version="1.1"), bob).status_int == 200


def test_a_role_on_one_project_gives_no_right_on_another(app, alice, bob, session):
    assert upload(app, build_wheel("sample-project"), alice).status_int == 200
    assert upload(app, build_wheel("other-project"), alice).status_int == 200
    _grant(session, "bob", RoleName.MAINTAINER, project="sample-project")
    assert upload(app, build_wheel("other-project", "2.0"), bob).status_int == 403
    assert upload(app, build_wheel("sample-project", "2.0"), bob).status_int == 200


def test_a_new_name_is_open_to_any_user(app, alice, bob, session):
    assert upload(app, build_wheel("sample-project"), alice).status_int == 200
    assert upload(app, build_wheel("bobs-project"), bob).status_int == 200
    assert ("bob", "bobs-project", "Owner") in _roles(session)
