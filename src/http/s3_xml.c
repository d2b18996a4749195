/*-------------------------------------------------------------------------
 *
 * s3_xml.c
 *	  The XML of S3 answers (listings, errors, lifecycle configurations)
 *	  and of the lifecycle rules Tracker writes.
 *
 * These documents are small and regular; a scanner that finds elements by
 * name and decodes the five predefined entities and character references
 * is enough, and keeps a dependency on libxml2 out of the extension.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "mb/pg_wchar.h"

#include "http/http.h"

/*
 * s3_xml_element
 *		Find the first element <tag ...>...</tag> (or <tag/>) that starts in
 *		[from, end).  Sets the bounds of the whole element and of its
 *		content.  Elements of the same name are not nested in the documents
 *		Tracker reads, so the first closing tag ends the element.
 */
bool
s3_xml_element(const char *from, const char *end, const char *tag,
			   const char **outer_start, const char **inner_start,
			   const char **inner_end, const char **outer_end)
{
	size_t		tlen = strlen(tag);
	const char *p = from;

	while (p != NULL && p < end)
	{
		const char *lt = memchr(p, '<', end - p);
		const char *q;
		const char *gt;

		if (lt == NULL)
			return false;
		q = lt + 1;
		if ((size_t) (end - q) > tlen && strncmp(q, tag, tlen) == 0 &&
			(q[tlen] == '>' || q[tlen] == '/' || isspace((unsigned char) q[tlen])))
		{
			gt = memchr(q, '>', end - q);
			if (gt == NULL)
				return false;
			*outer_start = lt;
			if (gt[-1] == '/')
			{
				*inner_start = gt + 1;
				*inner_end = gt + 1;
				*outer_end = gt + 1;
				return true;
			}
			*inner_start = gt + 1;
			q = gt + 1;
			while (q < end)
			{
				const char *c = memchr(q, '<', end - q);

				if (c == NULL)
					return false;
				if ((size_t) (end - c) >= tlen + 3 && c[1] == '/' &&
					strncmp(c + 2, tag, tlen) == 0)
				{
					const char *r = c + 2 + tlen;

					while (r < end && isspace((unsigned char) *r))
						r++;
					if (r < end && *r == '>')
					{
						*inner_end = c;
						*outer_end = r + 1;
						return true;
					}
				}
				q = c + 1;
			}
			return false;
		}
		p = lt + 1;
	}
	return false;
}

/*
 * s3_xml_text
 *		The text of an element's content with entities and character
 *		references decoded (and CDATA sections taken as they are).
 */
char *
s3_xml_text(const char *start, const char *end)
{
	StringInfoData buf;
	const char *p = start;

	initStringInfo(&buf);
	while (p < end)
	{
		if (*p == '<' && (size_t) (end - p) >= 9 && strncmp(p, "<![CDATA[", 9) == 0)
		{
			const char *q = p + 9;
			const char *c = NULL;

			while (q + 2 < end)
			{
				if (q[0] == ']' && q[1] == ']' && q[2] == '>')
				{
					c = q;
					break;
				}
				q++;
			}
			if (c == NULL)
				c = end;
			appendBinaryStringInfo(&buf, p + 9, c - (p + 9));
			p = c + 3;
			continue;
		}
		if (*p == '&')
		{
			const char *semi = memchr(p, ';', Min(end - p, 12));

			if (semi != NULL)
			{
				size_t		n = semi - p - 1;
				const char *name = p + 1;
				bool		known = true;

				if (n == 3 && strncmp(name, "amp", 3) == 0)
					appendStringInfoChar(&buf, '&');
				else if (n == 2 && strncmp(name, "lt", 2) == 0)
					appendStringInfoChar(&buf, '<');
				else if (n == 2 && strncmp(name, "gt", 2) == 0)
					appendStringInfoChar(&buf, '>');
				else if (n == 4 && strncmp(name, "quot", 4) == 0)
					appendStringInfoChar(&buf, '"');
				else if (n == 4 && strncmp(name, "apos", 4) == 0)
					appendStringInfoChar(&buf, '\'');
				else if (n >= 2 && name[0] == '#')
				{
					unsigned long cp;
					char	   *stop;
					unsigned char utf8[8];

					if (name[1] == 'x' || name[1] == 'X')
						cp = strtoul(name + 2, &stop, 16);
					else
						cp = strtoul(name + 1, &stop, 10);
					if (stop != semi || cp == 0 || cp > 0x10FFFF)
						known = false;
					else
					{
						unicode_to_utf8((pg_wchar) cp, utf8);
						appendBinaryStringInfo(&buf, (char *) utf8,
											   pg_utf_mblen(utf8));
					}
				}
				else
					known = false;
				if (known)
				{
					p = semi + 1;
					continue;
				}
			}
		}
		appendStringInfoChar(&buf, *p);
		p++;
	}
	return buf.data;
}

/*
 * s3_xml_child_text
 *		The decoded text of the first <tag> inside [start, end), or NULL.
 */
char *
s3_xml_child_text(const char *start, const char *end, const char *tag)
{
	const char *os,
			   *is,
			   *ie,
			   *oe;

	if (!s3_xml_element(start, end, tag, &os, &is, &ie, &oe))
		return NULL;
	return s3_xml_text(is, ie);
}

/*
 * s3_xml_escape
 *		Append text escaped for XML content or attribute values.
 */
void
s3_xml_escape(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		switch (*s)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			case '\'':
				appendStringInfoString(buf, "&apos;");
				break;
			default:
				appendStringInfoChar(buf, *s);
		}
	}
}
