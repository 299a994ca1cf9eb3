//! ISV app applications (the platform's approval queue).
