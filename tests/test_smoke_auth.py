from tests.conftest import sign_in


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.location


def test_officer_signs_in_and_sees_vietnamese_home(client, users):
    sign_in(client, users["HN"]["officer"])
    page = client.get("/").get_data(as_text=True)
    assert "Nguyễn Văn officer.hn" in page
