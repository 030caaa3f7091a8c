//! `GET /`: a demo page that uploads a file to `/v1/recognize` and shows the scores.
use axum::response::Html;

const PAGE: &str = include_str!("../../assets/demo.html");

pub async fn demo() -> Html<&'static str> {
    Html(PAGE)
}
