//! A link to a page of the app: a client-side navigation for the running bundle's pages, an
//! ordinary link (a page load) for the other bundle's.

use yew::prelude::*;

use crate::route::Route;
use crate::session::use_session;

/// Props of [`RouteLink`].
#[derive(Properties, PartialEq)]
pub struct Props {
    /// Where it goes.
    pub to: Route,
    /// The `<a>`'s classes.
    #[prop_or_default]
    pub class: Classes,
    /// The `<a>`'s id.
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// The link's content.
    pub children: Html,
}

/// `<a href class>children</a>`: a plain click goes through the session's navigation; a
/// click with a modifier (new tab, new window) is the browser's.
#[function_component(RouteLink)]
pub fn route_link(p: &Props) -> Html {
    let nav = use_session().nav;
    let href = p.to.path();
    // A route of the other bundle is an ordinary link: the browser loads that bundle.
    if p.to.elsewhere() {
        return html! { <a {href} id={p.id.clone()} class={p.class.clone()}>{ p.children.clone() }</a> };
    }
    let onclick = {
        let to = p.to.clone();
        Callback::from(move |e: MouseEvent| {
            if e.ctrl_key() || e.meta_key() || e.shift_key() || e.button() != 0 {
                return;
            }
            e.prevent_default();
            nav.emit(to.clone());
        })
    };
    html! { <a {href} id={p.id.clone()} class={p.class.clone()} {onclick}>{ p.children.clone() }</a> }
}
