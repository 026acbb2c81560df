var x = "This is an invalid PAC script because it lacks a " +
        "FindProxyForURL() function";
