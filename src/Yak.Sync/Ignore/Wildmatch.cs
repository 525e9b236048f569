namespace Yak.Sync.Ignore;

/// <summary>
/// Git's wildmatch (wildmatch.c) over UTF-8 bytes, so '?' and classes behave exactly as in git: '*' and '?' stop at
/// '/' in pathname mode, '**' between slashes spans directories, '[...]' with ranges, '!'/'^' negation, [:class:].
/// </summary>
internal static class Wildmatch
{
    private const int Match = 0;
    private const int NoMatch = 1;
    private const int AbortAll = -1;
    private const int AbortToStarStar = -2;

    public static bool IsMatch(byte[] pattern, byte[] text, bool pathname) => DoWild(pattern, 0, text, 0, pathname) == Match;

    private static byte At(byte[] s, int i) => i < s.Length ? s[i] : (byte)0;

    private static int IndexOfSlash(byte[] text, int from) => from >= text.Length ? -1 : Array.IndexOf(text, (byte)'/', from);

    private static bool IsGlobSpecial(byte c) => c is (byte)'*' or (byte)'?' or (byte)'[' or (byte)'\\';

    private static int DoWild(byte[] pat, int p, byte[] text, int t, bool pathname)
    {
        byte pCh;
        for (; (pCh = At(pat, p)) != 0; t++, p++)
        {
            byte tCh = At(text, t);
            if (tCh == 0 && pCh != '*')
            {
                return AbortAll;
            }

            switch (pCh)
            {
                case (byte)'\\':
                    pCh = At(pat, ++p);
                    if (tCh != pCh)
                    {
                        return NoMatch;
                    }

                    continue;
                case (byte)'?':
                    if (pathname && tCh == '/')
                    {
                        return NoMatch;
                    }

                    continue;
                case (byte)'*':
                    {
                        bool matchSlash;
                        if (At(pat, ++p) == '*')
                        {
                            var prevP = p - 2;
                            while (At(pat, ++p) == '*')
                            {
                            }

                            if ((prevP < 0 || pat[prevP] == '/') &&
                                (At(pat, p) == 0 || At(pat, p) == '/' || (At(pat, p) == '\\' && At(pat, p + 1) == '/')))
                            {
                                if (At(pat, p) == '/' && DoWild(pat, p + 1, text, t, pathname) == Match)
                                {
                                    return Match;
                                }

                                matchSlash = true;
                            }
                            else
                            {
                                matchSlash = !pathname;
                            }
                        }
                        else
                        {
                            matchSlash = !pathname;
                        }

                        if (At(pat, p) == 0)
                        {
                            return !matchSlash && IndexOfSlash(text, t) >= 0 ? NoMatch : Match;
                        }

                        if (!matchSlash && At(pat, p) == '/')
                        {
                            var slash = IndexOfSlash(text, t);
                            if (slash < 0)
                            {
                                return NoMatch;
                            }

                            t = slash;
                            break; // the slash is consumed by the loop
                        }

                        while (true)
                        {
                            if (tCh == 0)
                            {
                                break;
                            }

                            if (!IsGlobSpecial(At(pat, p)))
                            {
                                var literal = At(pat, p);
                                while ((tCh = At(text, t)) != 0 && (matchSlash || tCh != '/'))
                                {
                                    if (tCh == literal)
                                    {
                                        break;
                                    }

                                    t++;
                                }

                                if (tCh != literal)
                                {
                                    return NoMatch;
                                }
                            }

                            var matched = DoWild(pat, p, text, t, pathname);
                            if (matched != NoMatch)
                            {
                                if (!matchSlash || matched != AbortToStarStar)
                                {
                                    return matched;
                                }
                            }
                            else if (!matchSlash && tCh == '/')
                            {
                                return AbortToStarStar;
                            }

                            tCh = At(text, ++t);
                        }

                        return AbortAll;
                    }

                case (byte)'[':
                    {
                        var result = MatchClass(pat, ref p, tCh, pathname);
                        if (result != Match)
                        {
                            return result;
                        }

                        continue;
                    }

                default:
                    if (tCh != pCh)
                    {
                        return NoMatch;
                    }

                    continue;
            }
        }

        return t < text.Length ? NoMatch : Match;
    }

    private static int MatchClass(byte[] pat, ref int p, byte tCh, bool pathname)
    {
        var pCh = At(pat, ++p);
        if (pCh == '^')
        {
            pCh = (byte)'!';
        }

        var negated = pCh == '!';
        if (negated)
        {
            pCh = At(pat, ++p);
        }

        byte prevCh = 0;
        var matched = false;
        do
        {
            if (pCh == 0)
            {
                return AbortAll;
            }

            if (pCh == '\\')
            {
                pCh = At(pat, ++p);
                if (pCh == 0)
                {
                    return AbortAll;
                }

                if (tCh == pCh)
                {
                    matched = true;
                }
            }
            else if (pCh == '-' && prevCh != 0 && At(pat, p + 1) != 0 && At(pat, p + 1) != ']')
            {
                pCh = At(pat, ++p);
                if (pCh == '\\')
                {
                    pCh = At(pat, ++p);
                    if (pCh == 0)
                    {
                        return AbortAll;
                    }
                }

                if (tCh <= pCh && tCh >= prevCh)
                {
                    matched = true;
                }

                pCh = 0;
            }
            else if (pCh == '[' && At(pat, p + 1) == ':')
            {
                var s = p += 2;
                while ((pCh = At(pat, p)) != 0 && pCh != ']')
                {
                    p++;
                }

                if (pCh == 0)
                {
                    return AbortAll;
                }

                var i = p - s - 1;
                if (i < 0 || pat[p - 1] != ':')
                {
                    p = s - 2;
                    pCh = (byte)'[';
                    if (tCh == pCh)
                    {
                        matched = true;
                    }

                    prevCh = pCh;
                    pCh = At(pat, ++p);
                    continue;
                }

                var name = System.Text.Encoding.ASCII.GetString(pat, s, i);
                bool? inClass = name switch
                {
                    "alnum" => char.IsAsciiLetterOrDigit((char)tCh),
                    "alpha" => char.IsAsciiLetter((char)tCh),
                    "blank" => tCh is (byte)' ' or (byte)'\t',
                    "cntrl" => tCh < 32 || tCh == 127,
                    "digit" => char.IsAsciiDigit((char)tCh),
                    "graph" => tCh > 32 && tCh < 127,
                    "lower" => char.IsAsciiLetterLower((char)tCh),
                    "print" => tCh >= 32 && tCh < 127,
                    "punct" => tCh > 32 && tCh < 127 && !char.IsAsciiLetterOrDigit((char)tCh),
                    "space" => tCh is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v',
                    "upper" => char.IsAsciiLetterUpper((char)tCh),
                    "xdigit" => char.IsAsciiHexDigit((char)tCh),
                    _ => null,
                };
                if (inClass is null)
                {
                    return AbortAll;
                }

                if (inClass.Value)
                {
                    matched = true;
                }

                pCh = 0;
            }
            else if (tCh == pCh)
            {
                matched = true;
            }

            prevCh = pCh;
            pCh = At(pat, ++p);
        }
        while (pCh != ']');

        return matched == negated || (pathname && tCh == '/') ? NoMatch : Match;
    }
}
